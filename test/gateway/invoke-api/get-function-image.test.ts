// GetFunction of a container-image function (PackageType Image): no Runtime or Handler, and Code names the image.
import { join } from "node:path";
import { GetFunctionCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, ROOT, startApiServer } from "./invoke-api-server.js";

describe("GetFunction of an image function", () => {
  let server: ApiServer;
  beforeAll(async () => {
    server = await startApiServer(join(ROOT, "test", "fixtures", "manifest", "images"));
  });
  afterAll(() => server.close());

  it("answers PackageType Image and the image URI", async () => {
    const answer = await server.client().send(new GetFunctionCommand({ FunctionName: "withConfig" }));
    expect(answer.Configuration?.PackageType).toBe("Image");
    expect(answer.Configuration?.Runtime).toBeUndefined();
    expect(answer.Configuration?.Handler).toBeUndefined();
    expect(answer.Code).toEqual({
      RepositoryType: "ECR",
      ImageUri: "registry.example/app:1.2",
      ResolvedImageUri: "registry.example/app:1.2",
    });
  });
});
