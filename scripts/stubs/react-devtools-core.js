// Ink imports react-devtools-core only when DEV=true; the bundle replaces it with this no-op so
// the optional package need not be installed.
export default { initialize() {}, connectToDevTools() {} };
