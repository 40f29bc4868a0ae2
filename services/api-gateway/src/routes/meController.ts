import {
  changePasswordCommand,
  confirmTotpEnrolmentCommand,
  deactivateAccountCommand,
  disableTotpCommand,
  getMeQuery,
  listMySessionsQuery,
  profileSchema,
  revokeSessionCommand,
  startTotpEnrolmentCommand,
  updateProfileCommand,
} from '@ledgerline/contracts';
import { Controller, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SessionCookies } from '../auth/sessionCookies.js';
import { inputOf } from '../http/input.js';
import { Endpoint } from '../http/route.js';
import { ServiceClient } from '../http/serviceClient.js';
import {
  changePasswordBody,
  disableTotpBody,
  idParams,
  totpCodeBody,
  updateProfileBody,
} from './httpSchemas.js';

const TAG = 'me';

// Only authenticated routes live here: the guard has set the principal before a handler runs.
const userOf = (request: FastifyRequest) => request.gw.principal!;

/** The signed-in user's own account: profile, password, sessions, second factor. */
@Controller()
export class MeController {
  constructor(
    @Inject(ServiceClient) private readonly client: ServiceClient,
    @Inject(SessionCookies) private readonly cookies: SessionCookies,
  ) {}

  @Endpoint({
    method: 'GET',
    path: '/me',
    tag: TAG,
    summary: 'My profile',
    cache: true,
    response: profileSchema,
  })
  getMe(@Req() request: FastifyRequest) {
    return this.client.send(getMeQuery, { userId: userOf(request).userId }, request);
  }

  @Endpoint({
    method: 'PATCH',
    path: '/me',
    tag: TAG,
    summary: 'Update my display name, avatar or locale',
    body: updateProfileBody,
    response: profileSchema,
  })
  updateMe(@Req() request: FastifyRequest) {
    const changes = inputOf(request, updateProfileBody, 'body');
    return this.client.send(updateProfileCommand, { ...changes, userId: userOf(request).userId }, request);
  }

  @Endpoint({
    method: 'DELETE',
    path: '/me',
    tag: TAG,
    summary: 'Deactivate my account (sign-in refused, every session revoked)',
    status: 204,
  })
  async deactivateMe(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.client.send(deactivateAccountCommand, { userId: userOf(request).userId }, request);
    this.cookies.clear(reply);
  }

  @Endpoint({
    method: 'POST',
    path: '/me/password',
    tag: TAG,
    summary: 'Change my password (the current one is required); other sessions are revoked',
    status: 204,
    body: changePasswordBody,
    idempotent: true,
  })
  async changePassword(@Req() request: FastifyRequest): Promise<void> {
    const body = inputOf(request, changePasswordBody, 'body');
    await this.client.send(changePasswordCommand, { ...body, userId: userOf(request).userId }, request);
  }

  @Endpoint({
    method: 'GET',
    path: '/me/sessions',
    tag: TAG,
    summary: 'My active sessions (device, IP, last seen; `current` marks this one)',
    cache: true,
    response: listMySessionsQuery.reply,
  })
  listMySessions(@Req() request: FastifyRequest) {
    const { userId, sessionId } = userOf(request);
    return this.client.send(listMySessionsQuery, { userId, currentSessionId: sessionId }, request);
  }

  @Endpoint({
    method: 'DELETE',
    path: '/me/sessions/:id',
    tag: TAG,
    summary: 'Revoke one of my sessions',
    status: 204,
    params: idParams,
  })
  async revokeSession(@Req() request: FastifyRequest): Promise<void> {
    const { id } = inputOf(request, idParams, 'params');
    await this.client.send(revokeSessionCommand, { userId: userOf(request).userId, sessionId: id }, request);
  }

  @Endpoint({
    method: 'POST',
    path: '/me/mfa/totp',
    tag: TAG,
    summary: 'Start TOTP enrolment: secret, otpauth:// URI and QR code (SVG)',
    status: 200,
    response: startTotpEnrolmentCommand.reply,
  })
  startTotpEnrolment(@Req() request: FastifyRequest) {
    return this.client.send(startTotpEnrolmentCommand, { userId: userOf(request).userId }, request);
  }

  @Endpoint({
    method: 'POST',
    path: '/me/mfa/totp/confirm',
    tag: TAG,
    summary: 'Confirm TOTP enrolment with a current code; returns 10 single-use recovery codes once',
    status: 200,
    body: totpCodeBody,
    response: confirmTotpEnrolmentCommand.reply,
  })
  confirmTotpEnrolment(@Req() request: FastifyRequest) {
    const { code } = inputOf(request, totpCodeBody, 'body');
    return this.client.send(confirmTotpEnrolmentCommand, { userId: userOf(request).userId, code }, request);
  }

  @Endpoint({
    method: 'DELETE',
    path: '/me/mfa/totp',
    tag: TAG,
    summary: 'Turn TOTP off (a current code is required, in the JSON body)',
    status: 204,
    body: disableTotpBody,
  })
  async disableTotp(@Req() request: FastifyRequest): Promise<void> {
    const { code } = inputOf(request, disableTotpBody, 'body');
    await this.client.send(disableTotpCommand, { userId: userOf(request).userId, code }, request);
  }
}
