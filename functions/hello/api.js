module.exports.hello = (event, context, callback) => {
// giving an error here would lead
// to a 500 response code
return callback(
null,
{
statusCode: 200,
body: JSON.stringify({
message: "Hello Lambda"
})
}
);
};
