// The bodies are contracts: the gateway and the users service validate them alike.
export { CreateOrganizationBody as CreateOrganizationDto, UpdateOrganizationBody as UpdateOrganizationDto } from '@warden/contracts';
