--- @include "includes-itself.lua"
return 0
