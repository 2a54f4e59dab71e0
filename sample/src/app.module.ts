import { Module, type DynamicModule } from '@nestjs/common';
import { ClientsModule } from '@nestjs/microservices';
import { TerminusModule } from '@nestjs/terminus';
import { ClientKubeMQ } from 'nestjs-kubemq';
import { KubeMQHealthIndicator } from 'nestjs-kubemq/health';
import { HealthController } from './health.controller';
import { HelloController } from './hello.controller';
import { HttpController, KUBEMQ_CLIENT } from './http.controller';

/** How the app reaches KubeMQ (the embedded broker's address or KUBEMQ_ADDRESS). */
export interface KubeMQSettings {
  address: string;
  clientId: string;
  authToken?: string;
}

@Module({})
export class AppModule {
  static register(kubemq: KubeMQSettings): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ClientsModule.register([
          {
            name: KUBEMQ_CLIENT,
            customClass: ClientKubeMQ,
            options: {
              address: kubemq.address,
              clientId: `${kubemq.clientId}-client`,
              authToken: kubemq.authToken,
              timeout: 10_000,
            },
          },
        ]),
        TerminusModule,
      ],
      providers: [KubeMQHealthIndicator],
      controllers: [HelloController, HttpController, HealthController],
    };
  }
}
