// HTTP API (payload 2.0) responses: a status, a JSON body, and the content type said explicitly
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
export function json(statusCode, body, headers = {}) {
  return {
    statusCode,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
    body: JSON.stringify(body),
  };
}

/** Every refusal is `{"message": "..."}`, the shape API Gateway's own errors have. */
export function refusal(statusCode, message) {
  return json(statusCode, { message });
}
