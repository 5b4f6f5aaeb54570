/** Payload limit of the Runtime API: 6 MiB + 100 bytes (RIE interop/model.go MaxPayloadSize). */
export const MAX_RUNTIME_PAYLOAD_BYTES = 6 * 1024 * 1024 + 100;
