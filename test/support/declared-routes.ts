// Every route the application's controllers declare, read from Nest's metadata, with its handler (for the
// access and public markers on it).
import { RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { AppModule } from '../../src/app.module';
import { loadConfig } from '../../src/config/app.config';

export interface DeclaredRoute {
  /** "METHOD /path/:param" */
  route: string;
  handler: object;
}

export function declaredRoutes(controllers: Type[] = AppModule.forRoot(loadConfig({ PORT: '8080' })).controllers ?? []): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  for (const controller of controllers) {
    const prefix = Reflect.getMetadata(PATH_METADATA, controller) as string;
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = (controller.prototype as unknown as Record<string, object>)[name];
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (name === 'constructor' || path === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      routes.push({ route: `${method} /${prefix}/${path}`.replace(/\/+$/, ''), handler });
    }
  }
  return routes;
}
