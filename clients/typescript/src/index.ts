export {
  HypercacheClient,
  type ClientOptions, type Consistency, type DeleteOptions, type DeleteResult, type DeleteManyResult, type Entry, type GetManyResult,
  type KeysOptions, type PutManyItem, type PutManyResult, type PutOptions, type PutResult, type ReadOptions,
} from './client.js';
export {
  BadRequestError, ConnectionError, DrainingError, type ErrorCode, ForbiddenError, HypercacheError, InternalError, NotFoundError,
  PayloadTooLargeError, PreconditionFailedError, QuorumNotMetError, UnauthorizedError, UnavailableError,
} from './errors.js';
export { Topology, type TopologyMember, type TopologyResponse } from './topology.js';
export { ttlMs } from './duration.js';
