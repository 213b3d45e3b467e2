// Errors on the sign-in, consent and launcher pages answer as pages (with the strict page headers), not as
// OperationOutcomes: an expired or unknown sign-in says so; anything unexpected is logged and shown only as the
// request id. https://cheatsheetseries.owasp.org/cheatsheets/Error_Handling_Cheat_Sheet.html
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { noticePage } from './pages/notice.page';
import { sendPage } from './pages/page-reply';

/** What oidc-provider throws when the interaction cookie, the interaction or its session is gone. */
const EXPIRED = new Set(['SessionNotFound']);

export const EXPIRED_MESSAGE = 'This sign-in has expired or is already finished. Return to the app and start again.';

@Catch()
export class SmartPagesFilter implements ExceptionFilter {
  private readonly logger = new Logger('SmartPages');

  catch(err: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    if (reply.sent) return;
    const name = (err as { name?: unknown })?.name;
    if (typeof name === 'string' && EXPIRED.has(name)) {
      return sendPage(reply, 400, noticePage({ title: 'Sign-in expired', message: EXPIRED_MESSAGE }));
    }
    if (err instanceof HttpException && err.getStatus() < 500) {
      const status = err.getStatus();
      const title = status === 404 ? 'Not found' : 'Request not accepted';
      return sendPage(reply, status, noticePage({ title, message: status === 404 ? 'Nothing is served at this address.' : 'The request could not be accepted.' }));
    }
    const status = (err as { statusCode?: unknown })?.statusCode ?? (err as { status?: unknown })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendPage(reply, status, noticePage({ title: 'Request not accepted', message: 'The request could not be accepted.' }));
    }
    this.logger.error(`Unexpected error in request ${request.id}: ${(err as Error)?.stack ?? String(err)}`);
    sendPage(reply, 500, noticePage({ title: 'Something went wrong', message: `The server could not complete this; request id ${request.id}.` }));
  }
}
