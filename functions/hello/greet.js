module.exports.hello = (event, context, callback) => {
return callback(null, "Hello " + event.name);
};
