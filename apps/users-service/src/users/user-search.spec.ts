import { searchCondition, searchPattern } from './user-search';

describe('the members search', () => {
  it('matches any part, in any case, of what was typed literally', () => {
    expect(searchPattern('DocuSign')).toBe('%docusign%');
    expect(searchPattern('100%_off\\')).toBe('%100\\%\\_off\\\\%');
  });

  it('looks in the name shown, the username and the email', () => {
    const condition = searchCondition(3);
    expect(condition).toContain("lower(username) LIKE $3 ESCAPE '\\'");
    expect(condition).toContain("lower(coalesce(email, '')) LIKE $3");
    // the name shown is the listing's stored listed_name (friendly name, else first and last name, else username)
    expect(condition).toMatch(/^\(listed_name LIKE \$3 ESCAPE/);
  });
});
