import { IsDefined, IsString, Length } from 'class-validator';

// Seed 003: `{"username": ..., "password": ...}`.
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
