-- after(a, b): whether log position a comes after b, in byte order as JavaScript compares
-- them (Lua's own < follows the server's locale).
local function after(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x > y end
  end
  return #a > #b
end
