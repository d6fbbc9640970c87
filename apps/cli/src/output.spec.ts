import { renderFields, renderTable } from './output';

describe('renderTable', () => {
  it('aligns columns to the widest cell, without trailing spaces', () => {
    const table = renderTable(
      ['ID', 'NAME', 'STATUS'],
      [
        ['1', 'DocuSign Connect', 'active'],
        ['22', 'CI', 'revoked'],
      ],
    );
    expect(table).toBe(['ID  NAME              STATUS', '1   DocuSign Connect  active', '22  CI                revoked', ''].join('\n'));
  });

  it('shows nothing as a dash, lists joined by commas, and no control characters', () => {
    const table = renderTable(['A', 'B', 'C', 'D'], [[null, [], ['x', 'y'], 'evil\u001b[2Jname']]);
    expect(table.split('\n')[1]).toBe('-  -  x,y  evil?[2Jname');
  });

  it('prints the header alone for an empty list', () => {
    expect(renderTable(['ID', 'NAME'], [])).toBe('ID  NAME\n');
  });
});

describe('renderFields', () => {
  it('lines up the values after the longest name', () => {
    expect(renderFields([['id', 'abc'], ['last used', null], ['roles', ['a', 'b']]])).toBe('id:        abc\nlast used: -\nroles:     a,b\n');
  });
});
