// The pages' stylesheet and the SMART styling document (smart_style_url in token responses), both static and
// public; the styling document may be fetched by apps from any origin.
// https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#styling
import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator';
import { SMART_STYLE, STYLESHEET } from './pages/style';

const STATIC_HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=3600' };
const STYLE_JSON = JSON.stringify(SMART_STYLE);

@Controller('smart')
export class SmartStyleController {
  @Public()
  @Get('style.css')
  stylesheet(@Res() reply: FastifyReply): void {
    reply.headers({ ...STATIC_HEADERS, 'content-type': 'text/css; charset=utf-8' }).send(STYLESHEET);
  }

  @Public()
  @Get('smart-style.json')
  smartStyle(@Res() reply: FastifyReply): void {
    reply.headers({ ...STATIC_HEADERS, 'content-type': 'application/json; charset=utf-8', 'access-control-allow-origin': '*' }).send(STYLE_JSON);
  }
}
