// The JSON object an HTTP API request carries. API Gateway base64-encodes a body it does not take for text
// (isBase64Encoded: true; https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html),
// so the body is decoded first; then it must be one JSON object.

/** `{ ok: true, value }` with the parsed object, or `{ ok: false, message }` saying what is wrong. */
export function jsonObjectBody(event) {
  const raw = event.body;
  if (raw === undefined || raw === null || raw === "") return { ok: false, message: "the request has no body: send a JSON object" };
  const text = event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: "the body is not valid JSON" };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, message: "the body must be a JSON object" };
  }
  return { ok: true, value };
}

/** A header of a payload 2.0 event: API Gateway lower-cases the names and joins repeated values with commas. */
export function header(event, name) {
  return event.headers?.[name.toLowerCase()];
}
