/**
 * Cache keys shared between the code that reads an entry and the code that
 * must invalidate it (anything that changes the underlying rows).
 */

/**
 * A signed-in user's membership as the auth hook sees it (hospital, role,
 * doctor link, operator flag). Only users with a membership are cached. Any
 * write to hospital_members or platform_admins for this user must call
 * `cache.invalidate(identityCacheKey(userId))` after it commits.
 */
export const identityCacheKey = (userId: string) => `identity:${userId}`;
