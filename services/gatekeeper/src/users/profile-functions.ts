import { Profile, type UpdateProfileRequest } from '@palisade/contracts';
import type pg from 'pg';

import type { AuditBatchWriter } from '../audit/audit-batch-writer.js';
import { appendAuditEvent } from '../audit/audit-log.js';
import type { CachedFunction, ProfileCache } from '../cache/profile-cache.js';
import { isAdmin, type CallContext, type Caller } from '../caller.js';
import { withTransaction } from '../db/pool.js';
import { notFound, permissionDenied } from '../errors.js';
import type { IdempotentWrites } from '../idempotency/idempotent-writes.js';
import { readProfileChanges } from './profile-validation.js';
import {
  findUserId,
  insertUserIfMissing,
  selectProfile,
  updateProfile as updateProfileRow,
  type ProfileRow,
} from './user-store.js';
import type { UserIdCache } from './user-id-cache.js';
import { isUuid } from './uuid.js';

/**
 * Business functions on profiles. Writes run in one transaction together with
 * their audit events, once per idempotency key, and invalidate the cache after
 * their commit. Reads go through the cache and return only after their audit
 * event has committed through the shared {@link AuditBatchWriter}. The caller's own user id
 * comes from the {@link UserIdCache}, so a read served from the profile cache runs no statement
 * besides its share of an audit batch.
 */
export class ProfileFunctions {
  constructor(
    private readonly pool: pg.Pool,
    private readonly cache: ProfileCache,
    private readonly writes: IdempotentWrites,
    private readonly audit: AuditBatchWriter,
    private readonly userIds: UserIdCache,
  ) {}

  /** Creates the caller's user row on first login and returns their profile. */
  async ensureUser(context: CallContext): Promise<Profile> {
    // A user deleted after the lookup is created again, as on a first login.
    const own = await this.#ownProfile('EnsureUser', context.caller);
    if (own === undefined) return this.#createUser(context);

    await this.#auditOwnRead(context, own.userId);
    return toProfile(own.row);
  }

  /** Returns the caller's own profile, or any user's profile for an admin. */
  async getProfile(context: CallContext, requestedUserId: string): Promise<Profile> {
    const { caller, requestId } = context;
    if (requestedUserId === '') {
      const own = await this.#ownProfile('GetProfile', caller);
      if (own === undefined) throw notFound('no profile yet: call EnsureUser first');
      await this.#auditOwnRead(context, own.userId);
      return toProfile(own.row);
    }

    // The permission check compares ids, so the caller's id comes from the database here.
    const callerId = await findUserId(this.pool, caller.issuer, caller.subject);
    const targetId = requestedUserId;
    if (targetId !== callerId && !isAdmin(caller)) {
      throw permissionDenied('a user may read only their own profile');
    }
    if (!isUuid(targetId)) throw notFound(`user ${JSON.stringify(targetId)} not found`);

    const row = await this.#profileRow('GetProfile', targetId);
    if (row === undefined) throw notFound(`user ${targetId} not found`);
    await this.audit.append({
      actorId: callerId,
      actorSubject: caller.subject,
      requestId,
      action: 'profile.read',
      targetType: 'profile',
      targetId,
    });
    return toProfile(row);
  }

  /** Changes the fields named in the update mask on the caller's own profile. */
  async updateProfile(context: CallContext, request: UpdateProfileRequest): Promise<Profile> {
    const changes = readProfileChanges(request);
    const operation = { method: 'UpdateProfile', request, codec: Profile };

    const profile = await this.writes.run(context, operation, async (client) => {
      const { caller, requestId } = context;
      const { userId, created } = await insertUserIfMissing(client, caller.issuer, caller.subject);
      if (request.userId !== '' && request.userId !== userId) {
        throw permissionDenied('a user may update only their own profile');
      }
      if (created) {
        await appendAuditEvent(client, {
          actorId: userId,
          actorSubject: caller.subject,
          requestId,
          action: 'user.create',
          targetType: 'user',
          targetId: userId,
        });
      }

      const row = await updateProfileRow(client, userId, changes);
      if (row === undefined) throw notFound(`user ${userId} not found`);
      await appendAuditEvent(client, {
        actorId: userId,
        actorSubject: caller.subject,
        requestId,
        action: 'profile.update',
        targetType: 'profile',
        targetId: userId,
      });
      return toProfile(row);
    });
    await this.cache.invalidate(profile.userId);
    return profile;
  }

  /**
   * Reads the caller's own user id and profile row, each from its cache when it has them. An id
   * cached for a user since deleted finds no row, so it is dropped and looked up again. Returns
   * undefined when the caller has no user.
   */
  async #ownProfile(
    functionName: CachedFunction,
    caller: Caller,
  ): Promise<{ userId: string; row: ProfileRow } | undefined> {
    const cachedId = this.userIds.get(caller.issuer, caller.subject);
    if (cachedId !== undefined) {
      const row = await this.#profileRow(functionName, cachedId);
      if (row !== undefined) return { userId: cachedId, row };
      this.userIds.delete(caller.issuer, caller.subject);
    }

    const userId = await findUserId(this.pool, caller.issuer, caller.subject);
    if (userId === undefined) return undefined;
    const row = await this.#profileRow(functionName, userId);
    if (row === undefined) return undefined;
    this.userIds.set(caller.issuer, caller.subject, userId);
    return { userId, row };
  }

  /** Records that the caller read their own profile; resolves once the event has committed. */
  #auditOwnRead(context: CallContext, userId: string): Promise<void> {
    return this.audit.append({
      actorId: userId,
      actorSubject: context.caller.subject,
      requestId: context.requestId,
      action: 'profile.read',
      targetType: 'profile',
      targetId: userId,
    });
  }

  #profileRow(functionName: CachedFunction, userId: string): Promise<ProfileRow | undefined> {
    return this.cache.read(functionName, userId, () => selectProfile(this.pool, userId));
  }

  /**
   * Inserts the user and profile unless a concurrent first login did, and returns the profile.
   * The read of a profile this transaction created is audited in the same transaction.
   */
  async #createUser(context: CallContext): Promise<Profile> {
    const { caller, requestId } = context;
    const profile = await withTransaction(this.pool, async (client) => {
      const { userId, created } = await insertUserIfMissing(client, caller.issuer, caller.subject);
      const audit = { actorId: userId, actorSubject: caller.subject, requestId };

      if (created) {
        context.logger.info({ userId }, 'user created');
        await appendAuditEvent(client, {
          ...audit,
          action: 'user.create',
          targetType: 'user',
          targetId: userId,
        });
      }
      const row = await requireProfile(client, userId);
      await appendAuditEvent(client, {
        ...audit,
        action: 'profile.read',
        targetType: 'profile',
        targetId: userId,
      });
      return toProfile(row);
    });
    this.userIds.set(caller.issuer, caller.subject, profile.userId);
    return profile;
  }
}

async function requireProfile(client: pg.ClientBase, userId: string): Promise<ProfileRow> {
  const row = await selectProfile(client, userId);
  if (row === undefined) throw notFound(`user ${userId} not found`);
  return row;
}

export function toProfile(row: ProfileRow): Profile {
  return {
    userId: row.user_id,
    subject: row.subject,
    displayName: row.display_name,
    email: row.email,
    locale: row.locale,
    metadata: row.metadata,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
