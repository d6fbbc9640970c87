export * from './secret';
export * from './session.decider';
export * from './allowed-origin';
export * from './token.decider';
export * from './tokens-upcasters';
export * from './oauth-client.decider';
export * from './oauth-grants.decider';
export * from './token-policy';
