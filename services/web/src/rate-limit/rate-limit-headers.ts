import type { RateLimitDecision } from '@palisade/store';
import type { FastifyReply } from 'fastify';

/**
 * Adds a decision to the RateLimit-Policy and RateLimit response fields of
 * draft-ietf-httpapi-ratelimit-headers-10: a list with one member per policy that applied,
 * such as `"per-user";q=300;w=60` and `"per-user";r=299;t=60`. `t` is the number of seconds
 * until one more request is allowed (or until the oldest counted one leaves the window).
 */
export function addRateLimitHeaders(reply: FastifyReply, decision: RateLimitDecision): void {
  const { policy } = decision;
  const name = JSON.stringify(policy.name);
  appendListMember(
    reply,
    'ratelimit-policy',
    `${name};q=${policy.limit};w=${seconds(policy.windowMs)}`,
  );
  appendListMember(
    reply,
    'ratelimit',
    `${name};r=${decision.remaining};t=${seconds(decision.resetMs)}`,
  );
}

/** Returns the Retry-After value of a rejected decision: whole seconds, at least 1. */
export function retryAfterSeconds(decision: RateLimitDecision): number {
  return Math.max(1, seconds(decision.resetMs));
}

function seconds(milliseconds: number): number {
  return Math.ceil(milliseconds / 1000);
}

function appendListMember(reply: FastifyReply, name: string, member: string): void {
  const current = reply.getHeader(name);
  reply.header(
    name,
    typeof current === 'string' && current !== '' ? `${current}, ${member}` : member,
  );
}
