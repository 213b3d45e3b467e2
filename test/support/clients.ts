// Real HTTP clients for the suite: fhir-kit-client as a FHIR app would use it, supertest where headers matter.
import { Client } from 'fhir-kit-client';
import request from 'supertest';
import { TEST_TOKEN, TestApp } from './test-app';

/** The client with its answers typed loosely: tests read arbitrary FHIR elements from them. */
export type FhirClient = {
  [K in keyof Client]: Client[K] extends (...args: infer A) => Promise<unknown> | undefined ? (...args: A) => Promise<any> : Client[K];
};

export function fhirClient(t: TestApp): FhirClient {
  return new Client({ baseUrl: t.fhirBase, bearerToken: TEST_TOKEN }) as unknown as FhirClient;
}

export function http(t: TestApp) {
  return request(t.origin);
}

/** The status and body of a rejected fhir-kit-client call. */
export async function failure(p: Promise<unknown>): Promise<{ status: number; data: any }> {
  try {
    await p;
  } catch (err) {
    const response = (err as { response?: { status: number; data: unknown } }).response;
    if (!response) throw err;
    const data = typeof response.data === 'string' ? JSON.parse(response.data) : response.data;
    return { status: response.status, data };
  }
  throw new Error('Expected the request to fail, but it succeeded');
}

export function errorCodes(outcome: { issue?: { details?: { coding?: { code: string }[] } }[] }): string[] {
  return (outcome.issue ?? []).flatMap((i) => (i.details?.coding ?? []).map((c) => c.code));
}
