-- A script for the loader's tests: its keys and first argument back.
return {KEYS[1], KEYS[2], ARGV[1]}
