import {
  loginCommand,
  registerUserCommand,
  registerUserReplySchema,
  requestPasswordResetCommand,
  requestSignInCodeCommand,
  resendVerificationCommand,
  resetPasswordCommand,
  type SignInResult,
  verifyEmailCommand,
  verifyMfaCommand,
  verifySignInCodeCommand,
} from '@ledgerline/contracts';
import { Controller, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SessionCookies } from '../auth/sessionCookies.js';
import { clientOf, inputOf } from '../http/input.js';
import { Endpoint } from '../http/route.js';
import { ServiceClient } from '../http/serviceClient.js';
import {
  emailBody,
  loginBody,
  registerBody,
  resetPasswordBody,
  signInResponseSchema,
  tokenBody,
  verifyCodeBody,
  verifyMfaBody,
} from './httpSchemas.js';

const TAG = 'auth';

/** Sign-up, sign-in (password, e-mailed code, second factor), e-mail verification and password reset. */
@Controller()
export class AuthController {
  constructor(
    @Inject(ServiceClient) private readonly client: ServiceClient,
    @Inject(SessionCookies) private readonly cookies: SessionCookies,
  ) {}

  @Endpoint({
    method: 'POST',
    path: '/auth/register',
    tag: TAG,
    summary:
      'Create an account (unverified until the e-mailed link is followed); always 202, also for a taken address, whose owner is e-mailed instead (no account enumeration)',
    auth: 'none',
    status: 202,
    body: registerBody,
    response: registerUserReplySchema,
    idempotent: true,
  })
  register(@Req() request: FastifyRequest) {
    return this.client.send(registerUserCommand, inputOf(request, registerBody, 'body'), request);
  }

  @Endpoint({
    method: 'POST',
    path: '/auth/login',
    tag: TAG,
    summary: 'Sign in with e-mail and password; may answer with an MFA challenge',
    auth: 'none',
    rateClass: 'login',
    status: 200,
    // Wrong credentials, code or challenge: 401 (the same answer whatever was wrong).
    errors: [401],
    body: loginBody,
    response: signInResponseSchema,
  })
  async login(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const body = inputOf(request, loginBody, 'body');
    const result = await this.client.send(loginCommand, { ...body, client: clientOf(request) }, request);
    return this.signedIn(request, reply, result);
  }

  @Endpoint({
    method: 'POST',
    path: '/auth/code/request',
    tag: TAG,
    summary: 'E-mail a one-time sign-in code (always 202: no account enumeration)',
    auth: 'none',
    rateClass: 'codeRequest',
    status: 202,
    body: emailBody,
    idempotent: true,
  })
  async requestSignInCode(@Req() request: FastifyRequest): Promise<void> {
    const { email } = inputOf(request, emailBody, 'body');
    await this.client.send(requestSignInCodeCommand, { email, client: clientOf(request) }, request);
  }

  @Endpoint({
    method: 'POST',
    path: '/auth/code/verify',
    tag: TAG,
    summary: 'Sign in with an e-mailed code; may answer with an MFA challenge',
    auth: 'none',
    rateClass: 'login',
    status: 200,
    // Wrong credentials, code or challenge: 401 (the same answer whatever was wrong).
    errors: [401],
    body: verifyCodeBody,
    response: signInResponseSchema,
  })
  async verifySignInCode(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const body = inputOf(request, verifyCodeBody, 'body');
    const result = await this.client.send(
      verifySignInCodeCommand,
      { ...body, client: clientOf(request) },
      request,
    );
    return this.signedIn(request, reply, result);
  }

  @Endpoint({
    method: 'POST',
    path: '/auth/mfa/verify',
    tag: TAG,
    summary: 'Complete a sign-in with a TOTP code or a recovery code',
    auth: 'none',
    rateClass: 'login',
    status: 200,
    // Wrong credentials, code or challenge: 401 (the same answer whatever was wrong).
    errors: [401],
    body: verifyMfaBody,
    response: signInResponseSchema,
  })
  async verifyMfa(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const body = inputOf(request, verifyMfaBody, 'body');
    const result = await this.client.send(verifyMfaCommand, { ...body, client: clientOf(request) }, request);
    return this.signedIn(request, reply, result);
  }

  @Endpoint({
    method: 'POST',
    path: '/auth/email/verify',
    tag: TAG,
    summary: 'Verify an e-mail address with the token from the e-mailed link',
    auth: 'none',
    status: 200,
    body: tokenBody,
    response: verifyEmailCommand.reply,
    idempotent: true,
  })
  verifyEmail(@Req() request: FastifyRequest) {
    return this.client.send(verifyEmailCommand, inputOf(request, tokenBody, 'body'), request);
  }

  @Endpoint({
    method: 'POST',
    path: '/auth/email/resend',
    tag: TAG,
    summary: 'Send the verification e-mail again (always 202: no account enumeration)',
    auth: 'none',
    rateClass: 'resend',
    status: 202,
    body: emailBody,
    idempotent: true,
  })
  async resendVerification(@Req() request: FastifyRequest): Promise<void> {
    const { email } = inputOf(request, emailBody, 'body');
    await this.client.send(resendVerificationCommand, { email, client: clientOf(request) }, request);
  }

  @Endpoint({
    method: 'POST',
    path: '/auth/password/forgot',
    tag: TAG,
    summary: 'E-mail a password-reset link (always 202: no account enumeration)',
    auth: 'none',
    rateClass: 'forgot',
    status: 202,
    body: emailBody,
    idempotent: true,
  })
  async forgotPassword(@Req() request: FastifyRequest): Promise<void> {
    const { email } = inputOf(request, emailBody, 'body');
    await this.client.send(requestPasswordResetCommand, { email, client: clientOf(request) }, request);
  }

  @Endpoint({
    method: 'POST',
    path: '/auth/password/reset',
    tag: TAG,
    summary: 'Set a new password with the e-mailed token; every session is revoked',
    auth: 'none',
    status: 200,
    body: resetPasswordBody,
    response: resetPasswordCommand.reply,
    idempotent: true,
  })
  resetPassword(@Req() request: FastifyRequest) {
    return this.client.send(resetPasswordCommand, inputOf(request, resetPasswordBody, 'body'), request);
  }

  private signedIn(request: FastifyRequest, reply: FastifyReply, result: SignInResult) {
    if (result.status !== 'authenticated') return result;
    this.cookies.issue(reply, result.tokens);
    return { ...result, tokens: this.cookies.forBody(request, result.tokens, false) };
  }
}
