import { IsString, Length } from 'class-validator';

export class CountOwnedTokensDto {
  @IsString()
  @Length(1, 100)
  organizationId!: string;

  @IsString()
  @Length(1, 100)
  userId!: string;
}
