/**
 * `@rxmsg/soe`: the SOE reliable-UDP protocol (version 3) for rxmsg. The wire format (packets,
 * the CRC-32 variant, variable-length integers, bundling) and a sans-I/O session core; the UDP
 * driver and the `soe://` transport build on them.
 * @packageDocumentation
 */
export {};
