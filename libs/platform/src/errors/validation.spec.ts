import { ArgumentMetadata } from '@nestjs/common';
import { CommonErrorCode, WardenError } from '@warden/contracts';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { validateDto, validationPipe } from './validation';

class Member {
  @IsString()
  userId!: string;

  @IsIn(['admin', 'member'])
  role!: string;
}

class Settings {
  @IsInt()
  @Min(0)
  serviceExternalLimit!: number;
}

class CreateOrganization {
  @IsString()
  @MinLength(3)
  name!: string;

  // ValidateNested alone lets a missing object through.
  @IsDefined()
  @ValidateNested()
  @Type(() => Settings)
  settings!: Settings;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => Member)
  members?: Member[];
}

const body: ArgumentMetadata = { type: 'body', metatype: CreateOrganization };

async function rejectionOf(promise: Promise<unknown>): Promise<WardenError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof WardenError)) throw new Error(`expected a WardenError, got ${String(error)}`);
  return error;
}

describe('validationPipe', () => {
  const pipe = validationPipe();

  it('returns an instance of the DTO when the body is valid', async () => {
    const value = await pipe.transform({ name: 'Acme', settings: { serviceExternalLimit: 5 } }, body);
    expect(value).toBeInstanceOf(CreateOrganization);
    expect(value.settings).toBeInstanceOf(Settings);
  });

  it('names a nested field by its full path', async () => {
    const error = await rejectionOf(
      pipe.transform({ name: 'Acme', settings: { serviceExternalLimit: -1 } }, body),
    );
    expect(error.code).toBe(CommonErrorCode.ValidationFailed);
    expect(error.errors).toEqual([
      { field: 'settings.serviceExternalLimit', message: 'serviceExternalLimit must not be less than 0' },
    ]);
    expect(error.detail).toBe('Invalid field: settings.serviceExternalLimit');
  });

  it('names array elements by index', async () => {
    const error = await rejectionOf(
      pipe.transform(
        {
          name: 'Acme',
          settings: { serviceExternalLimit: 1 },
          members: [
            { userId: 'u1', role: 'admin' },
            { userId: 'u2', role: 'owner' },
          ],
        },
        body,
      ),
    );
    expect(error.errors).toEqual([
      { field: 'members[1].role', message: 'role must be one of the following values: admin, member' },
    ]);
  });

  it('refuses unknown properties, nested ones included, instead of dropping them', async () => {
    const error = await rejectionOf(
      pipe.transform({ name: 'Acme', isAdmin: true, settings: { serviceExternalLimit: 1, extra: 1 } }, body),
    );
    expect(error.errors).toEqual(
      expect.arrayContaining([
        { field: 'isAdmin', message: 'property isAdmin should not exist' },
        { field: 'settings.extra', message: 'property extra should not exist' },
      ]),
    );
  });

  it('reports every broken rule of every field', async () => {
    const error = await rejectionOf(pipe.transform({ name: 7 }, body));
    const fields = error.errors!.map((fieldError) => fieldError.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'settings']));
    expect(error.errors!.filter((fieldError) => fieldError.field === 'name')).toHaveLength(2);
  });
});

describe('validateDto', () => {
  it('validates a NATS payload with the same rules', async () => {
    const error = await rejectionOf(
      validateDto(CreateOrganization, { name: 'Acme', settings: { serviceExternalLimit: 'many' } }),
    );
    expect(error.errors).toEqual([
      { field: 'settings.serviceExternalLimit', message: 'serviceExternalLimit must not be less than 0' },
      { field: 'settings.serviceExternalLimit', message: 'serviceExternalLimit must be an integer number' },
    ]);
    expect(error.detail).toBe('Invalid field: settings.serviceExternalLimit');
    await expect(
      validateDto(CreateOrganization, { name: 'Acme', settings: { serviceExternalLimit: 2 } }),
    ).resolves.toBeInstanceOf(CreateOrganization);
  });

  it('refuses a payload that is not an object', async () => {
    expect((await rejectionOf(validateDto(CreateOrganization, [1, 2]))).code).toBe(
      CommonErrorCode.ValidationFailed,
    );
  });
});
