-- A script for the loader's tests, with a function from another file.
--- @include "shout.lua"
return shout(ARGV[1]) .. shout(ARGV[1])
