/** Kubernetes access: kubeconfig, discovery, typed requests, server-side apply, surviving watches. */
export {
  type ApplyOptions,
  type DeleteOptions,
  KubeApi,
  type ListOptions,
  type PatchType,
  type WriteOptions,
} from "./api.ts";
export {
  type ClientOptions,
  KubeClient,
  type KubeconfigSource,
  loadKubeconfig,
  type Query,
  type RequestInit,
} from "./client.ts";
export { NoKindMatchError, type ResourceMapping, RestMapper, resourcePath } from "./discovery.ts";
export {
  AlreadyExistsError,
  type ApiStatus,
  ConflictError,
  type FieldCause,
  ForbiddenError,
  GoneError,
  InvalidError,
  isForbidden,
  isNotFound,
  isTransient,
  KubeApiError,
  NotFoundError,
  TimeoutError,
  TooManyRequestsError,
  UnauthorizedError,
  UnavailableError,
} from "./errors.ts";
export {
  apiVersionOf,
  formatGvk,
  type GroupVersionKind,
  gvk,
  gvkOf,
  type KubeObject,
  type ObjectList,
  type ObjectMeta,
  type OwnerReference,
  objectKey,
  parseKey,
} from "./types.ts";
export { type ReflectOptions, type ReflectorEvent, reflect } from "./watch.ts";
