-- A script for the loader's tests, with no key count in its name: how many keys it was given.
return #KEYS
