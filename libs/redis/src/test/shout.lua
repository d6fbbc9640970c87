local function shout(text) return string.upper(text) end
