import { z } from "zod";

/**
 * Several servers of one model (issue 14): an experiment may list endpoints, each with an
 * optional cap on its requests in flight. Written `URL` or `URL@N` on the command line and in
 * HINTLAB_BASE_URL (several separated by commas or spaces), e.g.
 * `http://gpu1:8000/v1,http://gpu2:8000/v1@8`. The cap is the last `@digits` after the URL's
 * path, so it never reads as a user name (`http://user@host` has no path before the `@`).
 */
export const MAX_ENDPOINTS = 64;

export const EndpointSpecSchema = z.object({
  baseUrl: z.string().min(1),
  /** Requests in flight at most on this endpoint; absent = no cap. */
  maxConcurrent: z.number().int().min(1).max(1024).optional(),
});
export type EndpointSpec = z.infer<typeof EndpointSpecSchema>;

export const EndpointListSchema = z.array(EndpointSpecSchema).min(1).max(MAX_ENDPOINTS);

/** `URL` or `URL@N` as an endpoint; throws an Error whose message says what is wrong. */
export function parseEndpoint(raw: string): EndpointSpec {
  const text = raw.trim();
  const m = /^(https?:\/\/[^/?#]+\/[^?#]*?)@(\d+)$/i.exec(text) ?? /^(https?:\/\/[^/?#@]+)@(\d+)$/i.exec(text.replace(/\/+$/, ""));
  if (!m) {
    if (/@\d*$/.test(text) && !/^https?:\/\/[^/]*@[^/]*$/i.test(text)) throw new Error(`"${raw}": a cap is written URL@N with N a whole number, e.g. http://gpu2:8000/v1@8`);
    return { baseUrl: text };
  }
  const cap = Number(m[2]);
  if (!Number.isInteger(cap) || cap < 1 || cap > 1024) throw new Error(`"${raw}": the cap after @ must be from 1 to 1024`);
  return { baseUrl: m[1]!.replace(/\/+$/, ""), maxConcurrent: cap };
}

/** A list of `URL[@N]` separated by commas or whitespace (HINTLAB_BASE_URL). */
export function parseEndpointList(raw: string): EndpointSpec[] {
  return raw
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(parseEndpoint);
}

/** The written form back (`URL` or `URL@N`). */
export const formatEndpoint = (e: EndpointSpec): string => (e.maxConcurrent === undefined ? e.baseUrl : `${e.baseUrl}@${e.maxConcurrent}`);
