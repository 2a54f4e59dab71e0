/** Character codes shared by the Go-style JSON reader and writer. */

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
