module.exports.hello = (event, context, callback) => {
return callback(null, JSON.stringify({
message: "Hello lambda"
}));
};
