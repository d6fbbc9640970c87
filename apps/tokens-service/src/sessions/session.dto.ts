import { IsString, Length } from 'class-validator';

export class StartSessionDto {
  @IsString()
  @Length(1, 100)
  userId!: string;

  @IsString()
  @Length(1, 100)
  organizationId!: string;
}
