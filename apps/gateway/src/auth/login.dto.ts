import { IsDefined, IsString, Length } from 'class-validator';

// `{"username": ..., "password": ...}`, as a person or a service account logs in.
export class LoginDto {
  @IsDefined()
  @IsString()
  @Length(1, 254)
  username!: string;

  @IsDefined()
  @IsString()
  @Length(1, 1024)
  password!: string;
}

/** POST /auth/login bodies: the API description's examples. */
export const LOGIN_BODY_EXAMPLES: Record<string, { value: LoginDto }> = {
  'a service account logs in': { value: { username: 'api_user@mycompany', password: 'myserviceaccoutpassword' } },
};
