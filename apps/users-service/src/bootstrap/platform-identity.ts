/** The root organization, known once the platform is bootstrapped (see PlatformBootstrap). */
export class PlatformIdentity {
  private root: string | undefined;

  set rootOrganizationId(id: string) {
    this.root = id;
  }

  get rootOrganizationId(): string {
    if (!this.root) throw new Error('the platform is not bootstrapped yet');
    return this.root;
  }
}
