module.exports = eval("require")("../");
