// Renders each kustomization given on the command line with `kubectl kustomize` and validates
// every object it produces against the Kubernetes API schemas (the `kubernetes-models`
// package), with no cluster. Exits 1 naming the object and the schema error.
//
//   node scripts/validate-k8s.mjs sample/k8s/base sample/k8s/overlays/helm-kubemq
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';

const kubectl = process.env.KUBECTL || 'kubectl';
const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: node scripts/validate-k8s.mjs <kustomization dir>...');
  process.exit(2);
}

/** The kubernetes-models module of an apiVersion: "v1" or "apps/v1". */
function modelModule(apiVersion) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
}

let failures = 0;
for (const dir of dirs) {
  const rendered = execFileSync(kubectl, ['kustomize', dir], { encoding: 'utf8' });
  const objects = parseAllDocuments(rendered)
    .map((doc) => doc.toJS())
    .filter(Boolean);
  if (objects.length === 0) {
    console.error(`${dir}: rendered no objects`);
    failures += 1;
  }
  for (const object of objects) {
    const name = `${dir}: ${object.kind} ${object.metadata?.name}`;
    try {
      const Model = (await import(modelModule(object.apiVersion)))[object.kind];
      if (typeof Model !== 'function') throw new Error(`unknown kind for ${object.apiVersion}`);
      new Model(object).validate();
      console.log(`ok   ${name}`);
    } catch (error) {
      console.error(`FAIL ${name}: ${error.message}`);
      failures += 1;
    }
  }
}
process.exit(failures === 0 ? 0 : 1);
