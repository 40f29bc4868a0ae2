import { randomBytes } from 'node:crypto';
import { isAppError, NotFoundError, resetPasswordCommand, verifyEmailCommand } from '@ledgerline/contracts';
import { Controller, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CONFIG } from '../app/tokens.js';
import { checkCsrf } from '../auth/csrf.js';
import { allowedOrigins, type GatewayConfig } from '../config.js';
import { Endpoint } from '../http/route.js';
import { ServiceClient } from '../http/serviceClient.js';
import { type FormPage, resetPasswordForm, resultPage, verifyEmailForm } from '../pages/accountPages.js';

const TAG = 'pages';
const HTML = 'text/html; charset=utf-8';
const FORM = 'application/x-www-form-urlencoded';
const token = z.string().min(1).max(512);
const linkQuery = z.object({ token });
const verifyForm = z.object({ token, csrf: z.string().min(1).max(128) });
const resetForm = verifyForm.extend({
  newPassword: z.string().max(1024),
  confirmPassword: z.string().max(1024),
});

/** Paths of the routes that read form posts (the body parser accepts forms only there). */
export const FORM_PATHS = ['/verify-email', '/reset-password'] as const;

/**
 * The pages the e-mailed links open when the product has no frontend of its own (APP_URL unset):
 * verify the address, choose a new password. Without APP_URL the mails link here; with it, the
 * frontend owns these paths and the gateway answers 404. CSRF: a per-form random value in a
 * SameSite=Strict cookie and a hidden field must match, and the Origin must be an allowed one.
 */
@Controller()
export class PagesController {
  private readonly origins: ReadonlySet<string>;

  constructor(
    @Inject(ServiceClient) private readonly client: ServiceClient,
    @Inject(CONFIG) private readonly config: GatewayConfig,
  ) {
    this.origins = allowedOrigins(config);
  }

  @Endpoint({
    method: 'GET',
    path: '/verify-email',
    tag: TAG,
    summary: 'Page behind the verification link: a button that confirms the address (no frontend set)',
    auth: 'none',
    query: linkQuery,
    produces: 'text/html',
  })
  verifyEmailPage(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const query = this.linkOf(request);
    return this.html(reply, 200, verifyEmailForm(this.newForm(reply, '/verify-email', query)));
  }

  @Endpoint({
    method: 'POST',
    path: '/verify-email',
    tag: TAG,
    summary: 'Form post of the verification page',
    auth: 'none',
    status: 200,
    body: verifyForm,
    consumes: FORM,
    produces: 'text/html',
  })
  async verifyEmailSubmit(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const form = this.formOf(request, reply, verifyForm, '/verify-email');
    if (typeof form === 'string') return form;
    try {
      await this.client.send(verifyEmailCommand, { token: form.token }, request);
      return this.html(
        reply,
        200,
        resultPage('E-mail address verified', 'Thank you. You can sign in now.', true),
      );
    } catch (error) {
      return this.failed(reply, error, 'Verification failed');
    }
  }

  @Endpoint({
    method: 'GET',
    path: '/reset-password',
    tag: TAG,
    summary: 'Page behind the password-reset link: a form for the new password (no frontend set)',
    auth: 'none',
    query: linkQuery,
    produces: 'text/html',
  })
  resetPasswordPage(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const query = this.linkOf(request);
    return this.html(reply, 200, resetPasswordForm(this.newForm(reply, '/reset-password', query)));
  }

  @Endpoint({
    method: 'POST',
    path: '/reset-password',
    tag: TAG,
    summary: 'Form post of the password-reset page',
    auth: 'none',
    rateClass: 'forgot',
    status: 200,
    body: resetForm,
    consumes: FORM,
    produces: 'text/html',
  })
  async resetPasswordSubmit(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const form = this.formOf(request, reply, resetForm, '/reset-password');
    if (typeof form === 'string') return form;
    const again = (error: string) =>
      this.html(reply, 422, resetPasswordForm(this.newForm(reply, '/reset-password', form, error)));
    if (form.newPassword !== form.confirmPassword) return again('The two passwords differ.');
    try {
      await this.client.send(
        resetPasswordCommand,
        { token: form.token, newPassword: form.newPassword },
        request,
      );
      return this.html(
        reply,
        200,
        resultPage(
          'Password changed',
          'Your password is set and every session was signed out. Sign in again.',
          true,
        ),
      );
    } catch (error) {
      if (isAppError(error) && error.code === 'VALIDATION' && !/token/i.test(error.message))
        return again(error.message);
      return this.failed(reply, error, 'Password not changed');
    }
  }

  // With APP_URL set the links point at the frontend: these pages do not exist.
  private linkOf(request: FastifyRequest): { token: string } {
    if (this.config.APP_URL !== undefined) throw new NotFoundError('No such route');
    const parsed = linkQuery.safeParse(request.query);
    return parsed.success ? parsed.data : { token: '' };
  }

  private formOf<S extends typeof verifyForm | typeof resetForm>(
    request: FastifyRequest,
    reply: FastifyReply,
    schema: S,
    path: string,
  ): z.output<S> | string {
    if (this.config.APP_URL !== undefined) throw new NotFoundError('No such route');
    const parsed = schema.safeParse(request.body);
    if (!parsed.success)
      return this.html(
        reply,
        400,
        resultPage('Incomplete form', 'Open the link from the e-mail again.', false),
      );
    const verdict = checkCsrf(
      {
        cookieToken: request.cookies[this.formCookie(path)],
        headerToken: parsed.data.csrf,
        origin: request.headers.origin,
        referer: request.headers.referer,
      },
      this.origins,
    );
    if (!verdict.ok)
      return this.html(reply, 403, resultPage('Form expired', 'Open the link from the e-mail again.', false));
    return parsed.data as z.output<S>;
  }

  private newForm(reply: FastifyReply, path: string, link: { token: string }, error?: string): FormPage {
    const csrf = randomBytes(24).toString('base64url');
    reply.setCookie(this.formCookie(path), csrf, {
      path: `${this.config.ROOT_PATH}${path}`,
      httpOnly: true,
      sameSite: 'strict',
      secure: this.config.COOKIE_SECURE,
      maxAge: 3600,
    });
    return { action: `${this.config.ROOT_PATH}${path}`, token: link.token, csrf, ...(error && { error }) };
  }

  private formCookie(path: string): string {
    return `${this.config.CSRF_COOKIE_NAME}_form${path.replace('/', '_').replace('-', '_')}`;
  }

  private failed(reply: FastifyReply, error: unknown, title: string): string {
    if (isAppError(error) && error.code === 'UNAVAILABLE')
      return this.html(reply, 503, resultPage(title, 'The service is busy. Try again in a minute.', false));
    if (!isAppError(error)) throw error;
    const message = 'This link is invalid, used or expired. Request a new e-mail and use its link.';
    return this.html(reply, 400, resultPage(title, message, false));
  }

  private html(reply: FastifyReply, status: number, body: string): string {
    reply.code(status).type(HTML).header('cache-control', 'no-store');
    return body;
  }
}
