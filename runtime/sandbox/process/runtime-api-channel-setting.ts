/**
 * LAMBKIN_RUNTIME_API_CHANNEL: how Lambkin's own Node bootstrap reaches its Runtime API in the process sandbox.
 * `channel` (the default): over a private socketpair handed to it as an extra descriptor
 * (runtime/runtime-api/runtime-api-channel.ts), beside the TCP AWS_LAMBDA_RUNTIME_API that stays available to
 * everything else; `tcp`: over AWS_LAMBDA_RUNTIME_API like every other runtime — for comparison and debugging
 * (the HTTP exchanges can then be watched with tcpdump); `unpipelined`: the channel, with the bootstrap sending
 * each `/next` only after the 202 to the answer before it, as it did before it sent both in one write (the
 * baseline bench:channel measures against). Other runtimes, custom bootstraps and Docker containers always use TCP.
 */
export type RuntimeApiChannelSetting = "channel" | "tcp" | "unpipelined";

export function runtimeApiChannelSettingFrom(value: string | undefined): RuntimeApiChannelSetting {
  if (value === undefined || value === "" || value === "channel") return "channel";
  if (value === "tcp" || value === "unpipelined") return value;
  throw new Error(`LAMBKIN_RUNTIME_API_CHANNEL must be "channel", "tcp" or "unpipelined" (got "${value}")`);
}
