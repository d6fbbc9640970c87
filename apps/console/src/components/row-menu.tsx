import { Button, Menu, MenuItem, MenuTrigger, Popover } from 'react-aria-components';

export interface RowAction {
  id: string;
  label: string;
  danger?: boolean;
}

/**
 * A row's actions: a button that opens a menu (arrow keys, Enter, Escape), which the row's
 * context menu (right-click, or the keyboard's menu key) opens too, through `isOpen`.
 */
export function RowMenu(props: { label: string; actions: RowAction[]; onAction: (id: string) => void; isOpen?: boolean; onOpenChange?: (open: boolean) => void }) {
  if (props.actions.length === 0) return null;
  return (
    <MenuTrigger isOpen={props.isOpen} onOpenChange={props.onOpenChange}>
      <Button className="menu-button" aria-label={props.label}>
        Actions ▾
      </Button>
      <Popover className="popover" placement="bottom end">
        <Menu className="menu" onAction={(key) => props.onAction(String(key))}>
          {props.actions.map((action) => (
            <MenuItem key={action.id} id={action.id} className={action.danger ? 'menu-item danger' : 'menu-item'}>
              {action.label}
            </MenuItem>
          ))}
        </Menu>
      </Popover>
    </MenuTrigger>
  );
}
