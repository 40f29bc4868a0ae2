import { createHash } from 'node:crypto';
import { BACKWARDS, END, jsonEvent, type KurrentDBClient, NO_STREAM } from '@kurrent/kurrentdb-client';
import { ConflictError, uuidv7 } from '@ledgerline/contracts';
import type { Reservation } from '../store/types.js';
import { INTERNAL_STREAM_PREFIX, isStreamNotFound, isWrongExpectedVersion } from './kurrentMapping.js';

const CLAIMED = 'ReservationClaimed';
const RELEASED = 'ReservationReleased';
const MAX_ATTEMPTS = 5;

interface ReservationData {
  scope: string;
  value: string;
  streamId: string;
}

interface Head {
  type: string;
  revision: bigint;
  holder: string;
}

/** The reservation stream of one value; the value is hashed so any string makes a valid stream name. */
export const reservationStreamOf = (reservation: Reservation): string =>
  `${INTERNAL_STREAM_PREFIX}reservation-${createHash('sha256')
    .update(`${reservation.scope}\u0000${reservation.value}`)
    .digest('hex')}`;

/**
 * Reservations for KurrentDB, one stream per value holding `ReservationClaimed` /
 * `ReservationReleased` events. A claim is an optimistic append at the head the claimant read
 * (`no_stream` for a value never claimed), so two claimants never both win.
 *
 * Limitation: KurrentDB's appendToStream cannot write two streams atomically, so a claim is
 * written before the events and compensated (released) when the append fails; a release is
 * written after the append succeeds. A crash between the two steps leaves a value held that
 * should be free (never a value held twice); releasing it again is the repair.
 */
export class KurrentReservations {
  constructor(private readonly client: KurrentDBClient) {}

  /** Claims every value for the stream; returns those newly claimed. Throws ConflictError, claiming nothing, when one is held elsewhere. */
  async claim(streamId: string, reservations: Reservation[]): Promise<Reservation[]> {
    const claimed: Reservation[] = [];
    try {
      for (const reservation of reservations) {
        if (await this.claimOne(streamId, reservation)) claimed.push(reservation);
      }
      return claimed;
    } catch (error) {
      await this.release(streamId, claimed).catch(() => undefined);
      throw error;
    }
  }

  /** Releases the values this stream holds; values held by another stream or by nobody are left alone. */
  async release(streamId: string, reservations: Reservation[]): Promise<void> {
    for (const reservation of reservations) await this.releaseOne(streamId, reservation);
  }

  private async claimOne(streamId: string, reservation: Reservation): Promise<boolean> {
    const stream = reservationStreamOf(reservation);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const head = await this.head(stream);
      if (head?.type === CLAIMED) {
        if (head.holder === streamId) return false;
        throw reservedError(reservation);
      }
      if (await this.write(stream, CLAIMED, { ...reservation, streamId }, head)) return true;
    }
    throw reservedError(reservation);
  }

  private async releaseOne(streamId: string, reservation: Reservation): Promise<void> {
    const stream = reservationStreamOf(reservation);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const head = await this.head(stream);
      if (head?.type !== CLAIMED || head.holder !== streamId) return;
      if (await this.write(stream, RELEASED, { ...reservation, streamId }, head)) return;
    }
    throw new ConflictError(`could not release ${reservation.scope}`, {
      scope: reservation.scope,
      reason: 'reserved',
    });
  }

  /** Appends at exactly the head that was read; false when someone else wrote first. */
  private async write(
    stream: string,
    type: string,
    data: ReservationData,
    head: Head | undefined,
  ): Promise<boolean> {
    try {
      await this.client.appendToStream(stream, jsonEvent({ id: uuidv7(), type, data: { ...data } }), {
        streamState: head ? head.revision : NO_STREAM,
      });
      return true;
    } catch (error) {
      if (isWrongExpectedVersion(error)) return false;
      throw error;
    }
  }

  private async head(stream: string): Promise<Head | undefined> {
    try {
      const read = this.client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 });
      for await (const { event } of read) {
        const holder = event?.isJson ? (event.data as Partial<ReservationData>).streamId : undefined;
        if (event) return { type: event.type, revision: event.revision, holder: holder ?? '' };
      }
      return undefined;
    } catch (error) {
      if (isStreamNotFound(error)) return undefined;
      throw error;
    }
  }
}

const reservedError = (reservation: Reservation) =>
  new ConflictError(`${reservation.scope} is already taken`, {
    scope: reservation.scope,
    reason: 'reserved',
  });
