/**
 * Wraps a service so that each named method, once it has succeeded (its
 * transaction committed), invalidates the published slots of the hospital it
 * acted in: the first argument is the actor (`{ hospitalId }`) or the
 * hospital id, or else the result names it (`{ hospitalId }`: public
 * callers, who know a subdomain or a hold, not the hospital's id). The composition root (src/app.ts) names the methods that
 * change what a directory sees: bookings, hours, time off, doctors and the
 * booking settings. A failed call changed nothing and invalidates nothing.
 */
export function invalidatingPublished<S extends object>(service: S, methods: readonly (keyof S & string)[], invalidate: (hospitalId: string) => Promise<void>): S {
  const wrapped = { ...service } as Record<string, unknown>;
  for (const name of methods) {
    const method = service[name];
    if (typeof method !== 'function') throw new Error(`${name} is not a method of the service`);
    wrapped[name] = async (...args: unknown[]) => {
      const result = await (method as (...a: unknown[]) => Promise<unknown>).apply(service, args);
      const first = args[0];
      const hospitalId =
        typeof first === 'string' ? first : ((first as { hospitalId?: unknown } | undefined)?.hospitalId ?? (result as { hospitalId?: unknown } | undefined)?.hospitalId);
      if (typeof hospitalId === 'string') await invalidate(hospitalId);
      return result;
    };
  }
  return wrapped as S;
}
