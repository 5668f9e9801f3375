// Workaround: @rxmsg/runtime keeps `queueMicrotask` in a field and calls it as a method
// (`this.soon(work)` in OutboundQueue and Session). Browsers refuse a `queueMicrotask` called on
// anything but the window ("TypeError: Illegal invocation"), so no message could be sent. Until the
// runtime calls it unbound, give the page a `queueMicrotask` that ignores its receiver. Imported
// by app.ts before anything else runs; harmless once the runtime is fixed, and then to be removed.
const native = globalThis.queueMicrotask.bind(globalThis);
globalThis.queueMicrotask = (callback: VoidFunction): void => native(callback);
