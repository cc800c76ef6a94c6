// Where the in-pod relay listens for the agent on the runtime's own loopback (remote backends).
// Fixed, so an agent's environment stays valid across restarts; the daemon's hooks listener accepts
// `Host: 127.0.0.1:<hooks>` for the hooks the relay carries to it.
export const RELAY_PORTS = { proxy: 18080, hooks: 18081 } as const;
