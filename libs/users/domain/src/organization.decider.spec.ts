import { DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS, UsersErrorCode, WardenError } from '@warden/contracts';
import type { DomainEvent } from '@warden/kernel';
import { deciderSpec } from '@warden/testing';
import { ServiceAccountType } from './account-type';
import {
  DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
  OrganizationEvent,
  organizationDecider,
} from './organization.decider';

const spec = deciderSpec(organizationDecider);
// Folded here, not with the kernel's fold, so these pure specs load no infrastructure.
const stateAfter = (events: OrganizationEvent[]) =>
  events.reduce(organizationDecider.evolve, organizationDecider.initialState());
const at = '2026-11-23T10:00:00.000Z';
const later = '2026-11-24T09:30:00.000Z';
const created: OrganizationEvent = {
  type: 'OrganizationCreated',
  data: {
    organizationId: 'org-1',
    name: 'Acme',
    serviceInternalLimit: 1,
    serviceExternalLimit: 5,
    createdAt: at,
  },
};

const claimed = (userId: string, accountType: ServiceAccountType): OrganizationEvent => ({
  type: 'ServiceAccountSlotClaimed',
  data: { organizationId: 'org-1', userId, accountType },
});
const reached = (userId: string, accountType: ServiceAccountType, limit: number): OrganizationEvent => ({
  type: 'ServiceAccountLimitReached',
  data: { organizationId: 'org-1', accountType, limit, userId },
});
const released = (userId: string, accountType: ServiceAccountType): OrganizationEvent => ({
  type: 'ServiceAccountSlotReleased',
  data: { organizationId: 'org-1', userId, accountType },
});

describe('organization decider', () => {
  it('creates an organization with the default service-account limits', () => {
    spec
      .given([])
      .when({ type: 'CreateOrganization', organizationId: 'org-1', name: '  Acme ', at })
      .then([created]);
  });

  it('keeps limits given in the settings', () => {
    spec
      .given([])
      .when({
        type: 'CreateOrganization',
        organizationId: 'org-1',
        name: 'Acme',
        serviceInternalLimit: 0,
        serviceExternalLimit: 12,
        at,
      })
      .then([{ ...created, data: { ...created.data, serviceInternalLimit: 0, serviceExternalLimit: 12 } }]);
  });

  it('refuses to create the same organization twice', () => {
    spec
      .given([created])
      .when({ type: 'CreateOrganization', organizationId: 'org-1', name: 'Acme', at })
      .thenThrows(WardenError, (error) => expect(error.code).toBe(UsersErrorCode.OrganizationAlreadyExists));
  });

  it('refuses a blank name, naming the field', () => {
    spec
      .given([])
      .when({ type: 'CreateOrganization', organizationId: 'org-1', name: '   ', at })
      .thenThrows(WardenError, (error) =>
        expect(error.errors).toEqual([{ field: 'name', message: 'must not be blank' }]),
      );
  });

  it('refuses more than one internal service account', () => {
    spec
      .given([])
      .when({
        type: 'CreateOrganization',
        organizationId: 'org-1',
        name: 'Acme',
        serviceInternalLimit: 2,
        at,
      })
      .thenThrows(WardenError, (error) =>
        expect(error.errors?.[0].field).toBe('settings.service_internal_limit'),
      );
  });

  it.each([-1, 1.5, 1001])('refuses an external limit of %p', (limit) => {
    spec
      .given([])
      .when({
        type: 'CreateOrganization',
        organizationId: 'org-1',
        name: 'Acme',
        serviceExternalLimit: limit,
        at,
      })
      .thenThrows(WardenError, (error) =>
        expect(error.code).toBe(UsersErrorCode.InvalidOrganizationSettings),
      );
  });
});

describe('organization settings', () => {
  const ninetyDays = 90 * 24 * 60 * 60;

  it('default to tokens living at most 90 days and password login for humans, for old events too', () => {
    expect(stateAfter([created])).toMatchObject({
      maxTokenLifetimeSeconds: ninetyDays,
      humanPasswordLogin: true,
      root: false,
      serviceAccountHolders: { service_internal: [], service_external: [] },
    });
    expect(DEFAULT_MAX_TOKEN_LIFETIME_SECONDS).toBe(ninetyDays);
  });

  it('may be given at creation, and the root organization is marked', () => {
    spec
      .given([])
      .when({
        type: 'CreateOrganization',
        organizationId: 'org-1',
        name: 'Acme',
        maxTokenLifetimeSeconds: null,
        humanPasswordLogin: false,
        root: true,
        at,
      })
      .then([
        {
          ...created,
          data: { ...created.data, maxTokenLifetimeSeconds: null, humanPasswordLogin: false, root: true },
        },
      ]);
    const state = stateAfter([
      {
        ...created,
        data: { ...created.data, maxTokenLifetimeSeconds: null, humanPasswordLogin: false, root: true },
      },
    ]);
    expect(state).toMatchObject({ maxTokenLifetimeSeconds: null, humanPasswordLogin: false, root: true });
  });

  it('change, carrying only what changed', () => {
    spec
      .given([created])
      .when({
        type: 'ChangeOrganizationSettings',
        serviceExternalLimit: 10,
        humanPasswordLogin: false,
        serviceInternalLimit: 1,
        at: later,
      })
      .then([
        {
          type: 'OrganizationSettingsChanged',
          data: {
            organizationId: 'org-1',
            serviceExternalLimit: 10,
            humanPasswordLogin: false,
            changedAt: later,
          },
        },
      ]);
  });

  it('record nothing when nothing changes', () => {
    spec
      .given([created])
      .when({ type: 'ChangeOrganizationSettings', serviceExternalLimit: 5, at: later })
      .then([]);
  });

  it('fold into the state', () => {
    const state = stateAfter([
      created,
      {
        type: 'OrganizationSettingsChanged',
        data: { organizationId: 'org-1', maxTokenLifetimeSeconds: 3600, changedAt: later },
      },
    ]);
    expect(state).toMatchObject({
      maxTokenLifetimeSeconds: 3600,
      serviceExternalLimit: 5,
      humanPasswordLogin: true,
    });
  });

  it('can lift the cap on token lifetime with null', () => {
    spec
      .given([created])
      .when({ type: 'ChangeOrganizationSettings', maxTokenLifetimeSeconds: null, at: later })
      .then([
        {
          type: 'OrganizationSettingsChanged',
          data: { organizationId: 'org-1', maxTokenLifetimeSeconds: null, changedAt: later },
        },
      ]);
  });

  it.each([0, -60, 1.5, Number.POSITIVE_INFINITY])('refuse a token lifetime of %p seconds', (seconds) => {
    spec
      .given([created])
      .when({ type: 'ChangeOrganizationSettings', maxTokenLifetimeSeconds: seconds, at: later })
      .thenThrows(WardenError, (error) => {
        expect(error.code).toBe(UsersErrorCode.InvalidOrganizationSettings);
        expect(error.errors?.[0].field).toBe('settings.max_token_lifetime_seconds');
      });
  });

  it('refuse a second internal service account slot and an external limit above 1000', () => {
    spec
      .given([created])
      .when({ type: 'ChangeOrganizationSettings', serviceInternalLimit: 2, at: later })
      .thenThrows(WardenError, (error) =>
        expect(error.errors?.[0].field).toBe('settings.service_internal_limit'),
      );
    spec
      .given([created])
      .when({ type: 'ChangeOrganizationSettings', serviceExternalLimit: 1001, at: later })
      .thenThrows(WardenError, (error) =>
        expect(error.errors?.[0].field).toBe('settings.service_external_limit'),
      );
  });

  it('refuse a non-boolean password-login switch (input from JSON)', () => {
    spec
      .given([created])
      .when({ type: 'ChangeOrganizationSettings', humanPasswordLogin: 'no' as unknown as boolean, at: later })
      .thenThrows(WardenError, (error) =>
        expect(error.errors?.[0].field).toBe('settings.human_password_login'),
      );
  });

  it('cannot be changed on an organization that does not exist', () => {
    spec
      .given([])
      .when({ type: 'ChangeOrganizationSettings', serviceExternalLimit: 3, at: later })
      .thenThrows(WardenError, (error) => expect(error.code).toBe(UsersErrorCode.OrganizationNotFound));
  });

  it('refuse lowering a limit below the accounts that hold a slot', () => {
    spec
      .given([
        created,
        claimed('svc-1', 'service_external'),
        claimed('svc-2', 'service_external'),
        claimed('svc-3', 'service_external'),
      ])
      .when({ type: 'ChangeOrganizationSettings', serviceExternalLimit: 2, at: later })
      .thenThrows(WardenError, (error) => {
        expect(error.code).toBe(UsersErrorCode.LimitBelowCurrentCount);
        expect(error.detail).toBe(
          'organization has 3 service_external accounts; the limit cannot be lowered to 2',
        );
        expect(error.errors?.[0].field).toBe('settings.service_external_limit');
      });
    spec
      .given([created, claimed('svc-0', 'service_internal')])
      .when({ type: 'ChangeOrganizationSettings', serviceInternalLimit: 0, at: later })
      .thenThrows(WardenError, (error) => expect(error.code).toBe(UsersErrorCode.LimitBelowCurrentCount));
  });

  it('allow lowering a limit down to the current number of holders', () => {
    spec
      .given([created, claimed('svc-1', 'service_external'), claimed('svc-2', 'service_external')])
      .when({ type: 'ChangeOrganizationSettings', serviceExternalLimit: 2, at: later })
      .then([
        {
          type: 'OrganizationSettingsChanged',
          data: { organizationId: 'org-1', serviceExternalLimit: 2, changedAt: later },
        },
      ]);
  });
});

describe("the organization's access-token lifetime", () => {
  const changed = (data: { accessTokenLifetimeSeconds?: number; serviceExternalLimit?: number }): OrganizationEvent => ({
    type: 'OrganizationSettingsChanged',
    data: { organizationId: 'org-1', ...data, changedAt: later },
  });

  it('defaults to 900 seconds, for organizations created before the setting existed too', () => {
    expect(DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS).toBe(900);
    expect(stateAfter([created])).toMatchObject({ accessTokenLifetimeSeconds: 900 });
    // Left out at creation: nothing recorded, the default folded.
    spec
      .given([])
      .when({ type: 'CreateOrganization', organizationId: 'org-1', name: 'Acme', at })
      .then([created]);
  });

  it('may be set at creation', () => {
    const withLifetime = { ...created, data: { ...created.data, accessTokenLifetimeSeconds: 300 } };
    spec
      .given([])
      .when({ type: 'CreateOrganization', organizationId: 'org-1', name: 'Acme', accessTokenLifetimeSeconds: 300, at })
      .then([withLifetime]);
    expect(stateAfter([withLifetime])).toMatchObject({ accessTokenLifetimeSeconds: 300 });
  });

  it('is changed by the settings update, and folds into the state', () => {
    spec
      .given([created])
      .when({ type: 'ChangeOrganizationSettings', accessTokenLifetimeSeconds: 120, at: later })
      .then([changed({ accessTokenLifetimeSeconds: 120 })]);
    expect(stateAfter([created, changed({ accessTokenLifetimeSeconds: 120 })])).toMatchObject({
      accessTokenLifetimeSeconds: 120,
    });
  });

  it('is kept when an update leaves it out', () => {
    spec
      .given([created, changed({ accessTokenLifetimeSeconds: 120 })])
      .when({ type: 'ChangeOrganizationSettings', serviceExternalLimit: 8, at: later })
      .then([changed({ serviceExternalLimit: 8 })]);
    expect(
      stateAfter([created, changed({ accessTokenLifetimeSeconds: 120 }), changed({ serviceExternalLimit: 8 })]),
    ).toMatchObject({ accessTokenLifetimeSeconds: 120, serviceExternalLimit: 8 });
  });

  it('records nothing when set to what it already is', () => {
    spec
      .given([created])
      .when({ type: 'ChangeOrganizationSettings', accessTokenLifetimeSeconds: 900, at: later })
      .then([]);
  });

  it.each([60, 86_400])('accepts the bound %p', (seconds) => {
    spec
      .given([created])
      .when({ type: 'ChangeOrganizationSettings', accessTokenLifetimeSeconds: seconds, at: later })
      .then([changed({ accessTokenLifetimeSeconds: seconds })]);
  });

  it.each([59, 86_401, 0, -900, 120.5, Number.NaN, 'abc' as unknown as number])(
    'refuses %p, naming the field, at creation and in an update',
    (seconds) => {
      const refused = (error: WardenError) => {
        expect(error.code).toBe(UsersErrorCode.InvalidOrganizationSettings);
        expect(error.errors).toEqual([
          {
            field: 'settings.access_token_lifetime_seconds',
            message: 'must be a whole number of seconds from 60 to 86400',
          },
        ]);
      };
      spec
        .given([])
        .when({ type: 'CreateOrganization', organizationId: 'org-1', name: 'Acme', accessTokenLifetimeSeconds: seconds, at })
        .thenThrows(WardenError, refused);
      spec
        .given([created])
        .when({ type: 'ChangeOrganizationSettings', accessTokenLifetimeSeconds: seconds, at: later })
        .thenThrows(WardenError, refused);
    },
  );
});

describe('service-account slots', () => {
  const fiveExternal = ['svc-1', 'svc-2', 'svc-3', 'svc-4', 'svc-5'].map((id) =>
    claimed(id, 'service_external'),
  );

  it('are claimed while the organization is under its limit; the claim of the last slot records that the limit is reached', () => {
    spec
      .given([created, ...fiveExternal.slice(0, 3)])
      .when({ type: 'ClaimServiceAccountSlot', userId: 'svc-4', accountType: 'service_external' })
      .then([claimed('svc-4', 'service_external')]);
    spec
      .given([created, ...fiveExternal.slice(0, 4)])
      .when({ type: 'ClaimServiceAccountSlot', userId: 'svc-5', accountType: 'service_external' })
      .then([claimed('svc-5', 'service_external'), reached('svc-5', 'service_external', 5)]);
    expect(stateAfter([created, ...fiveExternal.slice(0, 4), claimed('svc-5', 'service_external'), reached('svc-5', 'service_external', 5)])).toEqual(
      stateAfter([created, ...fiveExternal]),
    );
  });

  it('are refused at the limit, saying how many there are', () => {
    spec
      .given([created, ...fiveExternal])
      .when({ type: 'ClaimServiceAccountSlot', userId: 'svc-6', accountType: 'service_external' })
      .thenThrows(WardenError, (error) => {
        expect(error.code).toBe(UsersErrorCode.ServiceAccountLimitReached);
        expect(error.detail).toBe('organization already has 5 of 5 service_external accounts');
      });
  });

  it('allow one internal service account', () => {
    spec
      .given([created])
      .when({ type: 'ClaimServiceAccountSlot', userId: 'svc-0', accountType: 'service_internal' })
      .then([claimed('svc-0', 'service_internal'), reached('svc-0', 'service_internal', 1)]);
    spec
      .given([created, claimed('svc-0', 'service_internal')])
      .when({ type: 'ClaimServiceAccountSlot', userId: 'svc-9', accountType: 'service_internal' })
      .thenThrows(WardenError, (error) =>
        expect(error.detail).toBe('organization already has 1 of 1 service_internal accounts'),
      );
  });

  it('allow none where the limit is 0', () => {
    spec
      .given([{ ...created, data: { ...created.data, serviceInternalLimit: 0 } }])
      .when({ type: 'ClaimServiceAccountSlot', userId: 'svc-0', accountType: 'service_internal' })
      .thenThrows(WardenError, (error) => expect(error.code).toBe(UsersErrorCode.ServiceAccountLimitReached));
  });

  it('count a raised limit', () => {
    spec
      .given([
        created,
        ...fiveExternal,
        {
          type: 'OrganizationSettingsChanged',
          data: { organizationId: 'org-1', serviceExternalLimit: 6, changedAt: later },
        },
      ])
      .when({ type: 'ClaimServiceAccountSlot', userId: 'svc-6', accountType: 'service_external' })
      .then([claimed('svc-6', 'service_external'), reached('svc-6', 'service_external', 6)]);
  });

  it('are claimed once per account: claiming again records nothing (a retried command)', () => {
    spec
      .given([created, ...fiveExternal])
      .when({ type: 'ClaimServiceAccountSlot', userId: 'svc-5', accountType: 'service_external' })
      .then([]);
  });

  it('move when an account converts between the service types, within the limit', () => {
    spec
      .given([created, claimed('svc-1', 'service_external')])
      .when({ type: 'ClaimServiceAccountSlot', userId: 'svc-1', accountType: 'service_internal' })
      .then([released('svc-1', 'service_external'), claimed('svc-1', 'service_internal'), reached('svc-1', 'service_internal', 1)]);
    spec
      .given([created, claimed('svc-0', 'service_internal'), claimed('svc-1', 'service_external')])
      .when({ type: 'ClaimServiceAccountSlot', userId: 'svc-1', accountType: 'service_internal' })
      .thenThrows(WardenError, (error) => expect(error.code).toBe(UsersErrorCode.ServiceAccountLimitReached));
  });

  it('are released by their holder (deletion, conversion to a human user)', () => {
    spec
      .given([created, ...fiveExternal])
      .when({ type: 'ReleaseServiceAccountSlot', userId: 'svc-3' })
      .then([released('svc-3', 'service_external')]);
  });

  it('record nothing when released by an account that holds none', () => {
    spec
      .given([created, ...fiveExternal])
      .when({ type: 'ReleaseServiceAccountSlot', userId: 'human-1' })
      .then([]);
  });

  it('become free again once released', () => {
    spec
      .given([created, ...fiveExternal, released('svc-3', 'service_external')])
      .when({ type: 'ClaimServiceAccountSlot', userId: 'svc-6', accountType: 'service_external' })
      .then([claimed('svc-6', 'service_external'), reached('svc-6', 'service_external', 5)]);
    expect(stateAfter([created, ...fiveExternal, released('svc-3', 'service_external')])).toMatchObject({
      serviceAccountHolders: { service_external: ['svc-1', 'svc-2', 'svc-4', 'svc-5'] },
    });
  });

  it('need the organization to exist', () => {
    spec
      .given([])
      .when({ type: 'ClaimServiceAccountSlot', userId: 'svc-1', accountType: 'service_external' })
      .thenThrows(WardenError, (error) => expect(error.code).toBe(UsersErrorCode.OrganizationNotFound));
  });

  it('hold under a race: the loser, re-decided on the winner’s events, is refused', () => {
    const given = [created, ...fiveExternal.slice(0, 4)];
    const winner = organizationDecider.decide(
      { type: 'ClaimServiceAccountSlot', userId: 'svc-a', accountType: 'service_external' },
      stateAfter(given),
    );
    spec
      .given([...given, ...winner])
      .when({ type: 'ClaimServiceAccountSlot', userId: 'svc-b', accountType: 'service_external' })
      .thenThrows(WardenError, (error) =>
        expect(error.detail).toBe('organization already has 5 of 5 service_external accounts'),
      );
  });

  it('are recorded as JSON', () => {
    const events: DomainEvent[] = [
      created,
      claimed('svc-1', 'service_external'),
      released('svc-1', 'service_external'),
    ];
    expect(JSON.parse(JSON.stringify(events))).toStrictEqual(events);
  });
});

describe("the organization's token lifecycle settings", () => {
  const changed = (data: Partial<Extract<OrganizationEvent, { type: 'OrganizationSettingsChanged' }>['data']>): OrganizationEvent => ({
    type: 'OrganizationSettingsChanged',
    data: { organizationId: 'org-1', ...data, changedAt: later },
  });

  it('default to warnings a week and a day before expiry, revoking leaked tokens, and never disabling unused ones', () => {
    expect(stateAfter([created])).toMatchObject({ expiryWarningLeadSeconds: [604_800, 86_400], leakedTokenAction: 'revoke', disableUnusedAfterDays: null });
  });

  it('are changed (lead times longest first) and folded; a change to what they are records nothing', () => {
    spec
      .given([created])
      .when({ type: 'ChangeOrganizationSettings', expiryWarningLeadSeconds: [3600, 172_800], leakedTokenAction: 'disable', disableUnusedAfterDays: 30, at: later })
      .then([changed({ expiryWarningLeadSeconds: [172_800, 3600], leakedTokenAction: 'disable', disableUnusedAfterDays: 30 })]);
    spec
      .given([created])
      .when({ type: 'ChangeOrganizationSettings', expiryWarningLeadSeconds: [86_400, 604_800], leakedTokenAction: 'revoke', disableUnusedAfterDays: null, at: later })
      .then([]);
    expect(stateAfter([created, changed({ expiryWarningLeadSeconds: [], disableUnusedAfterDays: 7 })])).toMatchObject({
      expiryWarningLeadSeconds: [],
      leakedTokenAction: 'revoke',
      disableUnusedAfterDays: 7,
    });
  });

  it.each([
    ['expiry_warning_lead_seconds', { expiryWarningLeadSeconds: [30] }],
    ['expiry_warning_lead_seconds', { expiryWarningLeadSeconds: [3600, 3600] }],
    ['expiry_warning_lead_seconds', { expiryWarningLeadSeconds: [60, 120, 180, 240, 300, 360] }],
    ['leaked_token_action', { leakedTokenAction: 'ignore' as 'revoke' }],
    ['disable_unused_after_days', { disableUnusedAfterDays: 0 }],
    ['disable_unused_after_days', { disableUnusedAfterDays: 1.5 }],
  ])('refuses a bad %s, naming it', (field, settings) => {
    spec
      .given([created])
      .when({ type: 'ChangeOrganizationSettings', ...settings, at: later })
      .thenThrows(WardenError, (error: WardenError) => {
        expect(error.code).toBe(UsersErrorCode.InvalidOrganizationSettings);
        expect(error.errors?.[0]?.field).toBe(`settings.${field}`);
      });
  });
});
