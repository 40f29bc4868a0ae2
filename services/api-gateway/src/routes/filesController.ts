import {
  adminListFilesQuery,
  completeUploadBodySchema,
  completeUploadCommand,
  deleteFileCommand,
  fileSchema,
  getDownloadUrlQuery,
  getFileQuery,
  getStorageQuery,
  isAppError,
  listFilesQuery,
  listFilesRequestSchema,
  listUploadPartsQuery,
  requestUploadBodySchema,
  requestUploadCommand,
} from '@ledgerline/contracts';
import { Controller, Inject, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { inputOf } from '../http/input.js';
import { HttpProblemError } from '../http/problem.js';
import { Endpoint } from '../http/route.js';
import { ServiceClient } from '../http/serviceClient.js';
import { idParams } from './httpSchemas.js';

const TAG = 'files';

const userOf = (request: FastifyRequest) => request.gw.principal!;

// Query strings are text: numbers are coerced, everything else keeps the contract's rules.
const listFilesQueryString = z.strictObject({
  ...listFilesRequestSchema.shape,
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
const adminListFilesQueryString = listFilesQueryString.extend({ ownerId: z.uuid().optional() });
const requestUploadBody = z.strictObject(requestUploadBodySchema.shape);
const completeBody = z.strictObject(completeUploadBodySchema.shape).optional();

/** 413 for what is too large (the file for the tier, the quota), with the numbers. */
function tooLarge(error: unknown): unknown {
  if (!isAppError(error) || error.code !== 'VALIDATION') return error;
  const reason = error.details?.reason;
  if (reason === 'quota_exceeded') {
    const { reason: _, ...details } = error.details!;
    return new HttpProblemError(
      413,
      'quota-exceeded',
      'Storage quota exceeded',
      error.message,
      {},
      { details },
    );
  }
  if (reason === 'file_too_large') {
    const { reason: _, ...details } = error.details!;
    return new HttpProblemError(413, 'file-too-large', 'File too large', error.message, {}, { details });
  }
  return error;
}

/**
 * Files: direct-to-S3 uploads verified by the files service. Bytes never pass through the gateway;
 * another user's fileId is 404 on every route (the service checks ownership, admins see all).
 */
@Controller()
export class FilesController {
  constructor(@Inject(ServiceClient) private readonly client: ServiceClient) {}

  @Endpoint({
    method: 'POST',
    path: '/files/uploads',
    tag: TAG,
    summary: 'Start an upload: quota reserved, presigned S3 request(s) returned',
    body: requestUploadBody,
    response: requestUploadCommand.reply,
    idempotent: true,
    // 403: a deactivated account; 413: the file is above the tier's maximum or the quota is full.
    errors: [403],
  })
  async requestUpload(@Req() request: FastifyRequest) {
    const body = inputOf(request, requestUploadBody, 'body');
    try {
      return await this.client.send(
        requestUploadCommand,
        { ...body, userId: userOf(request).userId },
        request,
      );
    } catch (error) {
      throw tooLarge(error);
    }
  }

  @Endpoint({
    method: 'GET',
    path: '/files/uploads/:id/parts',
    tag: TAG,
    summary: 'The parts S3 already holds for a multipart upload (resume)',
    params: idParams,
    errors: [409],
    response: listUploadPartsQuery.reply,
  })
  listParts(@Req() request: FastifyRequest) {
    const { id } = inputOf(request, idParams, 'params');
    return this.client.send(listUploadPartsQuery, { userId: userOf(request).userId, fileId: id }, request);
  }

  @Endpoint({
    method: 'POST',
    path: '/files/:id/complete',
    tag: TAG,
    summary: 'The bytes are uploaded: verify them (idempotent)',
    status: 202,
    params: idParams,
    body: completeBody,
    response: completeUploadCommand.reply,
  })
  complete(@Req() request: FastifyRequest) {
    const { id } = inputOf(request, idParams, 'params');
    const body = inputOf(request, completeBody, 'body') ?? {};
    return this.client.send(
      completeUploadCommand,
      { ...body, userId: userOf(request).userId, fileId: id },
      request,
    );
  }

  @Endpoint({
    method: 'GET',
    path: '/files',
    tag: TAG,
    summary: 'My files, newest first, cursor-paginated',
    cache: true,
    query: listFilesQueryString,
    response: listFilesQuery.reply,
  })
  listFiles(@Req() request: FastifyRequest) {
    const query = inputOf(request, listFilesQueryString, 'query');
    return this.client.send(listFilesQuery, { ...query, userId: userOf(request).userId }, request);
  }

  @Endpoint({
    method: 'GET',
    path: '/files/:id',
    tag: TAG,
    summary: "A file's metadata and verification status",
    cache: true,
    params: idParams,
    response: fileSchema,
  })
  getFile(@Req() request: FastifyRequest) {
    const { id } = inputOf(request, idParams, 'params');
    return this.client.send(getFileQuery, { userId: userOf(request).userId, fileId: id }, request);
  }

  @Endpoint({
    method: 'GET',
    path: '/files/:id/download',
    tag: TAG,
    summary: 'A short-lived presigned download URL (409 unless available)',
    params: idParams,
    errors: [409],
    response: getDownloadUrlQuery.reply,
  })
  download(@Req() request: FastifyRequest) {
    const { id } = inputOf(request, idParams, 'params');
    return this.client.send(getDownloadUrlQuery, { userId: userOf(request).userId, fileId: id }, request);
  }

  @Endpoint({
    method: 'DELETE',
    path: '/files/:id',
    tag: TAG,
    summary: 'Delete a file: the object goes, the quota comes back',
    status: 202,
    params: idParams,
    response: deleteFileCommand.reply,
  })
  deleteFile(@Req() request: FastifyRequest) {
    const { id } = inputOf(request, idParams, 'params');
    return this.client.send(deleteFileCommand, { userId: userOf(request).userId, fileId: id }, request);
  }

  @Endpoint({
    method: 'GET',
    path: '/me/storage',
    tag: TAG,
    summary: 'My storage: used, reserved, quota, largest file',
    cache: true,
    response: getStorageQuery.reply,
  })
  storage(@Req() request: FastifyRequest) {
    return this.client.send(getStorageQuery, { userId: userOf(request).userId }, request);
  }

  @Endpoint({
    method: 'GET',
    path: '/admin/files',
    tag: TAG,
    summary: "Any user's files with filters (admin)",
    auth: 'admin',
    cache: true,
    query: adminListFilesQueryString,
    response: adminListFilesQuery.reply,
  })
  adminListFiles(@Req() request: FastifyRequest) {
    return this.client.send(
      adminListFilesQuery,
      inputOf(request, adminListFilesQueryString, 'query'),
      request,
    );
  }
}
