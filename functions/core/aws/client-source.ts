/**
 * An AWS SDK client, or how to create one the first time it is needed.
 *
 * A processor's adapters are built at cold start, but most never call AWS
 * in a given container: the dead-letter writer only when a record fails, its
 * S3 offload only for an oversized one. Loading an SDK client package costs
 * tens of milliseconds of cold start each (bench/bundles.ts), so the
 * processors hand their adapters a factory that imports the package on first
 * use; the CLI and tests keep handing them ready clients.
 */
export type ClientSource<C extends object> = C | (() => Promise<C>);

/**
 * The client of `source`, created on the first call and shared by every call
 * after it. A creation that failed is attempted again on the next call rather
 * than remembered, so the caller reports it like any failed request.
 */
export function clientOf<C extends object>(source: ClientSource<C>): () => Promise<C> {
  if (!isFactory(source)) {
    const ready = Promise.resolve(source);
    return () => ready;
  }
  let created: Promise<C> | undefined;
  return () => {
    created ??= source().catch((error: unknown) => {
      created = undefined;
      throw error;
    });
    return created;
  };
}

// SDK clients are class instances, never functions.
function isFactory<C extends object>(source: ClientSource<C>): source is () => Promise<C> {
  return typeof source === 'function';
}
