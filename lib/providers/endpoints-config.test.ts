import { describe, expect, it } from "vitest";
import { ConnectionBodySchema, parseEndpoint, parseEndpointList } from "@/lib/protocol";
import { parseRunArgs } from "@/lib/cli/run";
import { parseSweepArgs } from "@/lib/cli/sweep";
import { readServerConfig, resolveModelConfig, type RemoteModelConfig } from "./config";
import { createProvider } from "./create-provider";
import { EndpointPool } from "./endpoint-pool";

/** Issue 14: several servers of one model, written `URL` or `URL@N` (N = cap on requests in flight). */
const noConnections = () => undefined;
const remote = (settings: Parameters<typeof resolveModelConfig>[0], vars: Record<string, string> = {}) =>
  resolveModelConfig(settings, readServerConfig(vars), noConnections) as RemoteModelConfig;

describe("URL@N", () => {
  it("reads a cap after the path and leaves user names and plain URLs alone", () => {
    expect(parseEndpoint("http://b:8000/v1@8")).toEqual({ baseUrl: "http://b:8000/v1", maxConcurrent: 8 });
    expect(parseEndpoint("http://b:8000/v1/@8")).toEqual({ baseUrl: "http://b:8000/v1", maxConcurrent: 8 });
    expect(parseEndpoint("http://b:8000@3")).toEqual({ baseUrl: "http://b:8000", maxConcurrent: 3 });
    expect(parseEndpoint(" http://a/v1 ")).toEqual({ baseUrl: "http://a/v1" });
    expect(parseEndpoint("http://user@host/v1")).toEqual({ baseUrl: "http://user@host/v1" });
    expect(parseEndpointList("http://a/v1, http://b/v1@2\nhttp://c/v1")).toEqual([
      { baseUrl: "http://a/v1" },
      { baseUrl: "http://b/v1", maxConcurrent: 2 },
      { baseUrl: "http://c/v1" },
    ]);
  });

  it("refuses a cap that is not a whole number from 1 to 1024", () => {
    expect(() => parseEndpoint("http://a/v1@0")).toThrow(/from 1 to 1024/);
    expect(() => parseEndpoint("http://a/v1@2000")).toThrow(/from 1 to 1024/);
    expect(() => parseEndpoint("http://a/v1@")).toThrow(/URL@N/);
  });
});

describe("resolving several endpoints", () => {
  it("one URL without a cap stays a single server, as before", () => {
    const config = remote({ baseUrl: "http://a/v1", model: "m" });
    expect(config.endpoints).toBeUndefined();
    expect(createProvider(config)).not.toBeInstanceOf(EndpointPool);
    expect(remote({ endpoints: [{ baseUrl: "http://a/v1/" }], model: "m" })).toMatchObject({ baseUrl: "http://a/v1" });
    expect(remote({ endpoints: [{ baseUrl: "http://a/v1/" }], model: "m" }).endpoints).toBeUndefined();
  });

  it("several (or one capped) become one shared pool per configuration", () => {
    const config = remote({ endpoints: [{ baseUrl: "http://a/v1" }, { baseUrl: "http://b/v1", maxConcurrent: 4 }], model: "m" });
    expect(config).toMatchObject({ baseUrl: "http://a/v1", endpoints: [{ baseUrl: "http://a/v1" }, { baseUrl: "http://b/v1", maxConcurrent: 4 }] });
    const pool = createProvider(config);
    expect(pool).toBeInstanceOf(EndpointPool);
    expect(createProvider(remote({ endpoints: [{ baseUrl: "http://a/v1" }, { baseUrl: "http://b/v1", maxConcurrent: 4 }], model: "m" }))).toBe(pool);
    expect((pool as EndpointPool).stats().map((s) => [s.url, s.maxConcurrent])).toEqual([
      ["http://a/v1", null],
      ["http://b/v1", 4],
    ]);
    expect(createProvider(remote({ endpoints: [{ baseUrl: "http://a/v1", maxConcurrent: 2 }], model: "m" }))).toBeInstanceOf(EndpointPool);
  });

  it("refuses a bad or repeated URL, saying which", () => {
    expect(() => remote({ endpoints: [{ baseUrl: "http://a/v1" }, { baseUrl: "ftp://b" }], model: "m" })).toThrow(/"ftp:\/\/b" must start with http/);
    expect(() => remote({ endpoints: [{ baseUrl: "http://a/v1" }, { baseUrl: "http://a/v1/" }], model: "m" })).toThrow(/lists http:\/\/a\/v1 twice/);
  });

  it("HINTLAB_BASE_URL may list servers; the key goes only to the origins it lists", () => {
    const vars = { HINTLAB_BASE_URL: "http://gpu1:8000/v1, http://gpu2:8000/v1@8", HINTLAB_MODEL: "qwq", HINTLAB_API_KEY: "sk-1" };
    const server = readServerConfig(vars);
    expect(server).toMatchObject({ baseUrl: "http://gpu1:8000/v1", endpoints: [{ baseUrl: "http://gpu1:8000/v1" }, { baseUrl: "http://gpu2:8000/v1", maxConcurrent: 8 }], issues: [] });
    const config = remote({}, vars);
    expect(config.endpoints).toEqual([
      { baseUrl: "http://gpu1:8000/v1", apiKey: "sk-1" },
      { baseUrl: "http://gpu2:8000/v1", maxConcurrent: 8, apiKey: "sk-1" },
    ]);
    expect(config.apiKeyWithheld).toBeUndefined();
    // A CLI list with a server of another origin: that one gets no key.
    const mixed = remote({ endpoints: [{ baseUrl: "http://gpu1:8000/v1" }, { baseUrl: "http://elsewhere/v1" }] }, vars);
    expect(mixed.endpoints).toEqual([{ baseUrl: "http://gpu1:8000/v1", apiKey: "sk-1" }, { baseUrl: "http://elsewhere/v1" }]);
    expect(mixed.apiKeyWithheld).toBe(true);
    expect(readServerConfig({ HINTLAB_BASE_URL: "http://a/v1@0" }).issues[0]).toMatch(/^HINTLAB_BASE_URL "http:\/\/a\/v1@0": the cap/);
  });
});

describe("a model connection listing several servers", () => {
  it("an admin may write URL, URL@N in a connection's base URL; its key goes to each server", () => {
    const body = ConnectionBodySchema.parse({ name: "gpus", baseUrl: " http://gpu1:8000/v1, http://gpu2:8000/v1@4 ", model: "qwq", apiKey: "sk-c" });
    const stored = { id: "c1", name: body.name, provider: body.provider, baseUrl: body.baseUrl, model: "qwq", apiKey: "sk-c" };
    const config = resolveModelConfig({ connection: "c1" }, readServerConfig({}), (id) => (id === "c1" ? stored : undefined)) as RemoteModelConfig;
    expect(config).toMatchObject({
      baseUrl: "http://gpu1:8000/v1",
      apiKey: "sk-c",
      endpoints: [
        { baseUrl: "http://gpu1:8000/v1", apiKey: "sk-c" },
        { baseUrl: "http://gpu2:8000/v1", maxConcurrent: 4, apiKey: "sk-c" },
      ],
    });
    expect(createProvider(config)).toBeInstanceOf(EndpointPool);
    const single = resolveModelConfig({ connection: "c1" }, readServerConfig({}), () => ({ ...stored, baseUrl: "http://gpu1:8000/v1" })) as RemoteModelConfig;
    expect(single.endpoints).toBeUndefined();
  });

  it("the connection form refuses a bad list with the message it gave for a bad URL", () => {
    const issue = (baseUrl: string) => ConnectionBodySchema.safeParse({ name: "x", baseUrl }).error?.issues[0]?.message;
    expect(issue("http://a/v1, ftp://b")).toBe("the base URL must start with http:// or https://");
    expect(issue("not a url")).toBe("the base URL must be a full URL such as http://localhost:8000/v1");
    expect(issue("http://a/v1@0")).toMatch(/^the base URL "http:\/\/a\/v1@0": the cap after @ must be from 1 to 1024/);
    expect(issue("http://a/v1")).toBeUndefined();
  });
});

describe("--base-url on hintlab run and sweep", () => {
  const run = (...extra: string[]) => parseRunArgs(["--dataset", "aime24", "--policies", "greedy", "--model", "m", ...extra]);

  it("one --base-url is the spec's baseUrl, exactly as before", () => {
    const args = run("--base-url", "http://a/v1");
    expect(args.help === false && args.mode === "new" && args.spec.model).toEqual({ baseUrl: "http://a/v1", model: "m" });
  });

  it("repeated, comma-separated or capped, it is a list of endpoints", () => {
    const args = run("--base-url", "http://a/v1", "--base-url", "http://b/v1@8,http://c/v1");
    expect(args.help === false && args.mode === "new" && args.spec.model).toEqual({
      endpoints: [{ baseUrl: "http://a/v1" }, { baseUrl: "http://b/v1", maxConcurrent: 8 }, { baseUrl: "http://c/v1" }],
      model: "m",
    });
    const capped = run("--base-url", "http://a/v1@4");
    expect(capped.help === false && capped.mode === "new" && capped.spec.model?.endpoints).toEqual([{ baseUrl: "http://a/v1", maxConcurrent: 4 }]);
    expect(() => run("--base-url", "http://a/v1@x0", "--base-url", "http://b/v1@")).toThrow(/--base-url .*URL@N/);
  });

  it("the sweep takes the same flags", () => {
    const args = parseSweepArgs(["--trace", "t", "--pause", "0", "--hints", "none", "--model", "m", "--base-url", "http://a/v1", "--base-url", "http://b/v1@2"]);
    expect(args.help === false && args.mode === "new" && args.create.model).toEqual({ endpoints: [{ baseUrl: "http://a/v1" }, { baseUrl: "http://b/v1", maxConcurrent: 2 }], model: "m" });
  });
});
