// The caller every verifying benchmark uses, in a system started by startSystem.
import { ApiClient, RunningSystem } from '@warden/testing';

/** A service account of the bootstrap admin's organization, and an API token of it. */
export async function credentials(system: RunningSystem): Promise<{ admin: ApiClient; serviceAccountId: string; token: string }> {
  // a benchmark measures the answers; checking them against the API description would be timed too
  const admin = await ApiClient.login(system.gatewayUrl, system.admin.username, system.admin.password, { checkAnswers: false });
  const account = await admin.post<{ id: string }>('/users', {
    username: 'benchmark@warden',
    account_type: 'service_external',
    first_name: 'Benchmark',
    last_name: 'Caller',
    password: 'quartz-lantern-meadow-82',
  });
  if (account.status !== 201) throw new Error(`creating the benchmark's service account failed: ${account.status} ${JSON.stringify(account.body)}`);
  const issued = await admin.post<{ token: string }>('/tokens', { user_id: account.body.id, name: 'benchmark verification' });
  if (issued.status !== 201) throw new Error(`issuing the benchmark's token failed: ${issued.status} ${JSON.stringify(issued.body)}`);
  return { admin, serviceAccountId: account.body.id, token: issued.body.token };
}
