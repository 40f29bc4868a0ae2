import { adminUpdateUserCommand, adminUserSchema, getUserQuery, listUsersQuery } from '@ledgerline/contracts';
import { Controller, Inject, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { inputOf } from '../http/input.js';
import { Endpoint } from '../http/route.js';
import { ServiceClient } from '../http/serviceClient.js';
import { adminUpdateBody, idParams, listUsersQueryString } from './httpSchemas.js';

const TAG = 'admin';

/** User administration; the guard admits admins only, and identity checks the actor's role again. */
@Controller()
export class AdminController {
  constructor(@Inject(ServiceClient) private readonly client: ServiceClient) {}

  @Endpoint({
    method: 'GET',
    path: '/admin/users',
    tag: TAG,
    summary: 'List users: filters, sort, cursor or offset pagination',
    auth: 'admin',
    cache: true,
    query: listUsersQueryString,
    response: listUsersQuery.reply,
  })
  listUsers(@Req() request: FastifyRequest) {
    return this.client.send(listUsersQuery, inputOf(request, listUsersQueryString, 'query'), request);
  }

  @Endpoint({
    method: 'GET',
    path: '/admin/users/:id',
    tag: TAG,
    summary: 'One user',
    auth: 'admin',
    cache: true,
    params: idParams,
    response: adminUserSchema,
  })
  getUser(@Req() request: FastifyRequest) {
    const { id } = inputOf(request, idParams, 'params');
    return this.client.send(getUserQuery, { userId: id }, request);
  }

  @Endpoint({
    method: 'PATCH',
    path: '/admin/users/:id',
    tag: TAG,
    summary: "Change a user's role, tier or activation",
    auth: 'admin',
    params: idParams,
    body: adminUpdateBody,
    response: adminUserSchema,
  })
  updateUser(@Req() request: FastifyRequest) {
    const { id } = inputOf(request, idParams, 'params');
    const changes = inputOf(request, adminUpdateBody, 'body');
    return this.client.send(adminUpdateUserCommand, { ...changes, userId: id }, request);
  }
}
