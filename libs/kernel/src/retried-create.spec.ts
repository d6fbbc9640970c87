import { idempotentId } from '@warden/contracts';
import { createOnce, createdId } from './retried-create';

const fingerprint = 'a'.repeat(64);

describe('createdId', () => {
  it('derives the id from the fingerprint and the command, the same on a retry', () => {
    expect(createdId(fingerprint, 'tokens.issue')).toBe(idempotentId(fingerprint, 'tokens.issue'));
    expect(createdId(fingerprint, 'tokens.issue')).not.toBe(createdId(fingerprint, 'teams.create'));
  });

  it('mints a fresh id for a request without a fingerprint', () => {
    expect(createdId(undefined, 'tokens.issue')).not.toBe(createdId(undefined, 'tokens.issue'));
  });
});

describe('createOnce', () => {
  it('only creates when the request has no fingerprint', async () => {
    const earlier = jest.fn(async () => 'found');
    await expect(createOnce(undefined, earlier, async () => 'made')).resolves.toBe('made');
    expect(earlier).not.toHaveBeenCalled();
  });

  it('answers what the first attempt made, without creating again', async () => {
    const create = jest.fn(async () => 'made');
    await expect(createOnce(fingerprint, async () => 'found', create)).resolves.toBe('found');
    expect(create).not.toHaveBeenCalled();
  });

  it('creates when no earlier attempt made anything', async () => {
    await expect(createOnce<string>(fingerprint, async () => undefined, async () => 'made')).resolves.toBe('made');
  });

  it('answers what a concurrent retry made when its own create lost the race', async () => {
    const earlier = jest.fn<Promise<string | undefined>, []>().mockResolvedValueOnce(undefined).mockResolvedValueOnce('theirs');
    await expect(createOnce(fingerprint, earlier, async () => Promise.reject(new Error('conflict')))).resolves.toBe('theirs');
    expect(earlier).toHaveBeenCalledTimes(2);
  });

  it('throws the create\'s error when nothing was made before it', async () => {
    const conflict = new Error('conflict');
    await expect(createOnce<string>(fingerprint, async () => undefined, async () => Promise.reject(conflict))).rejects.toBe(conflict);
    await expect(createOnce<string>(undefined, async () => 'found', async () => Promise.reject(conflict))).rejects.toBe(conflict);
  });

  it('with lookFirst false, creates without looking and asks `earlier` only once the create failed', async () => {
    const earlier = jest.fn<Promise<string | undefined>, []>().mockResolvedValue('found');
    await expect(createOnce(fingerprint, earlier, async () => 'made', { lookFirst: false })).resolves.toBe('made');
    expect(earlier).not.toHaveBeenCalled();
    await expect(createOnce(fingerprint, earlier, async () => Promise.reject(new Error('exists')), { lookFirst: false })).resolves.toBe('found');
    expect(earlier).toHaveBeenCalledTimes(1);
    const withheld = new Error('withheld');
    await expect(createOnce(fingerprint, async () => Promise.reject(withheld), async () => Promise.reject(new Error('exists')), { lookFirst: false })).rejects.toBe(withheld);
  });

  it('lets `earlier` refuse a retry by throwing, before and after a failed create', async () => {
    const withheld = new Error('withheld');
    const create = jest.fn(async () => 'made');
    await expect(createOnce(fingerprint, async () => Promise.reject(withheld), create)).rejects.toBe(withheld);
    expect(create).not.toHaveBeenCalled();
    const earlier = jest.fn<Promise<string | undefined>, []>().mockResolvedValueOnce(undefined).mockRejectedValueOnce(withheld);
    await expect(createOnce(fingerprint, earlier, async () => Promise.reject(new Error('conflict')))).rejects.toBe(withheld);
  });
});
