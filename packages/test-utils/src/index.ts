/** Helpers shared by rxmsg's own tests. Not published. */
export { activeResources, leakedResources } from './handles';
export { RawSocket } from './raw-socket';
export { tempSocketPath } from './temp-socket-path';
export { testCertificate } from './test-certificate';
export type { TestCertificate } from './test-certificate';
export { delay, eventually, waitFor } from './wait-for';
